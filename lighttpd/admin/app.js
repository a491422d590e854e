// The admin page: a small client of the project service's public API on this origin, with the
// project token or JWT the user types once (sessionStorage: this tab, until sign-out or close).
// Everything the API returns is rendered as text nodes or checked attributes, never as markup;
// nothing is fetched from anywhere but this origin. Views: #/ (projects, ?page=N) and
// #/projects/{id} (?page=N for deployments, &activity=N for the feed).

const TOKEN_KEY = 'panel.projectToken';
const FAST_POLL_MS = 1500; // while a deployment is in flight
const SETTLE_MS = 15000; // and this long after, so the activity feed catches up with the drain
const IDLE_POLL_MS = 20000; // otherwise (someone else may deploy)
const UNFINISHED = new Set(['pending', 'building', 'deploying']);

// ---------------------------------------------------------------------------------------------
// DOM helpers: elements from data, never from HTML strings.

function h(tag, props, ...children) {
	const el = document.createElement(tag);
	for (const [key, value] of Object.entries(props || {})) {
		if (value === null || value === undefined || value === false) continue;
		if (key === 'class') el.className = value;
		else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
		else el.setAttribute(key, value === true ? '' : String(value));
	}
	add(el, children);
	return el;
}

function add(el, children) {
	for (const child of children.flat(Infinity)) {
		if (child === null || child === undefined || child === false) continue;
		el.append(child instanceof Node ? child : String(child)); // strings become text nodes
	}
	return el;
}

function fill(el, ...children) {
	el.replaceChildren();
	return add(el, children);
}

const $ = (selector) => document.querySelector(selector);
const hiddenText = (text) => h('span', { class: 'visually-hidden' }, text);

function showMessage(el, text) {
	el.textContent = text;
	el.hidden = !text;
}

// Only http(s) URLs become links (as the API wrote them); anything else stays text.
function httpUrl(text) {
	try {
		const url = new URL(text);
		return url.protocol === 'https:' || url.protocol === 'http:' ? text : null;
	} catch {
		return null;
	}
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
function timeEl(iso) {
	const date = new Date(iso);
	return h('time', { datetime: iso, title: iso }, Number.isNaN(date.getTime()) ? iso : dateFormat.format(date));
}

function duration(seconds) {
	if (seconds < 60) return `${seconds} s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
	return minutes % 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes / 60} h`;
}

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

// A version 4 UUID from getRandomValues: crypto.randomUUID needs a secure context, and the
// page may be served over plain HTTP to another host.
function uuid() {
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let announceTimer = 0;
function announce(text) {
	const el = $('#announcer');
	el.textContent = '';
	clearTimeout(announceTimer);
	// A fresh text node after a tick, so the same words twice are announced twice.
	announceTimer = setTimeout(() => (el.textContent = text), 50);
}

// ---------------------------------------------------------------------------------------------
// The API: bearer token, ETags (a 304 reuses the stored answer), errors in the API's words.

class ApiError extends Error {
	constructor(status, name, message) {
		super(message);
		this.status = status;
		this.name = name;
	}
}

const stored = new Map(); // path -> the last 200 answer of a GET, with its ETag
const token = () => sessionStorage.getItem(TOKEN_KEY);

function parseLink(header) {
	const links = {};
	for (const part of (header || '').split(/,(?=\s*<)/)) {
		const m = part.match(/^\s*<([^>]*)>(.*)$/);
		const rel = m && m[2].match(/;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i);
		if (!rel) continue;
		for (const name of (rel[1] ?? rel[2]).split(/\s+/)) if (name) links[name.toLowerCase()] = m[1];
	}
	return links;
}

function pageOf(link) {
	try {
		return new URL(link, location.origin).searchParams.get('page') || '1';
	} catch {
		return null;
	}
}

async function api(path, { method = 'GET', body, headers = {}, signal } = {}) {
	const send = { Accept: 'application/json', Authorization: `Bearer ${token()}`, ...headers };
	const previous = method === 'GET' ? stored.get(path) : undefined;
	if (previous) send['If-None-Match'] = previous.etag;
	if (body !== undefined) send['Content-Type'] = 'application/json';
	let res;
	try {
		// no-store: the answers are kept here, by ETag, not by the browser's cache.
		res = await fetch(path, {
			method,
			headers: send,
			body: body === undefined ? undefined : JSON.stringify(body),
			cache: 'no-store',
			credentials: 'omit',
			signal,
		});
	} catch (e) {
		if (e.name === 'AbortError') throw e;
		throw new ApiError(0, 'NetworkError', 'could not reach the server; check the connection and try again');
	}
	if (res.status === 304 && previous) return { ...previous, changed: false };
	const text = await res.text();
	let data = null;
	try {
		data = text ? JSON.parse(text) : null;
	} catch {
		data = null;
	}
	if (!res.ok) {
		const message =
			data && typeof data.message === 'string'
				? data.message
				: `the server answered ${res.status} ${res.statusText}`.trim();
		const error = new ApiError(res.status, (data && data.name) || 'HTTPError', message);
		if (res.status === 401) signOut(message);
		throw error;
	}
	const answer = {
		status: res.status,
		data,
		links: parseLink(res.headers.get('Link')),
		total: res.headers.has('X-Total-Count') ? Number(res.headers.get('X-Total-Count')) : null,
		changed: true,
	};
	const etag = res.headers.get('ETag');
	if (method === 'GET' && etag) stored.set(path, { ...answer, etag });
	return answer;
}

const isAbort = (e) => e && e.name === 'AbortError';

// ---------------------------------------------------------------------------------------------
// Badges.

// A project's state from its latest deployment and flags.
function projectState(p) {
	const latest = p.latestDeployment;
	if (!latest) return { key: 'never', label: 'Never deployed' };
	if (p.hasOngoingDeployment) return { key: 'deploying', label: 'Deploying' };
	if (latest.status === 'done') return { key: 'live', label: 'Live' };
	if (latest.status === 'failed') return { key: 'failed', label: 'Failed' };
	if (latest.status === 'cancelled') return { key: 'cancelled', label: 'Cancelled' };
	return { key: 'deploying', label: 'Deploying' };
}

function badge(key, label, prefix) {
	return h('span', { class: `badge badge-${key}` }, prefix ? hiddenText(`${prefix}: `) : null, h('span', { class: 'dot', 'aria-hidden': 'true' }), label);
}

function projectBadges(p) {
	const state = projectState(p);
	const out = [badge(state.key, state.label, 'Status')];
	// Deploying again, or the newest one failed or was cancelled: an older one still serves.
	if (state.key !== 'live' && state.key !== 'never' && p.hasLiveDeployment) out.push(' ', badge('live', 'Live', 'Still'));
	return out;
}

const statusBadge = (status) => badge(UNFINISHED.has(status) ? 'deploying' : status === 'done' ? 'live' : status, status, 'Status');

function urlLink(url) {
	const href = url && httpUrl(url);
	if (!href) return url ? url : h('span', { class: 'muted' }, 'not assigned yet');
	return h('a', { href, class: 'url', target: '_blank', rel: 'noopener noreferrer' }, url, hiddenText(' (opens in a new tab)'));
}

// ---------------------------------------------------------------------------------------------
// Views, polling and routing.

let view = null; // the current view: {id, abort, timer, seq, lastBusy, refresh, paused}
let viewIds = 0;
let returnTo = '';
let lastProjectsPage = '1';

function startView() {
	stopView();
	view = { id: ++viewIds, abort: new AbortController(), timer: 0, seq: 0, lastBusy: 0, refresh: null, paused: false };
	return view;
}

function stopView() {
	if (!view) return;
	clearTimeout(view.timer);
	view.abort.abort();
	view = null;
}

// Is this answer still wanted: same view, and no newer load started meanwhile?
const current = (v, seq) => v === view && seq === v.seq;

// Polls fast while something is in flight (and a while after), slowly otherwise, and not at all
// while the tab is hidden.
function schedule(v, busy, refresh) {
	if (v !== view) return;
	clearTimeout(v.timer);
	const now = Date.now();
	if (busy) v.lastBusy = now;
	v.refresh = refresh;
	const delay = busy || now - v.lastBusy < SETTLE_MS ? FAST_POLL_MS : IDLE_POLL_MS;
	v.timer = setTimeout(() => {
		if (document.hidden) v.paused = true;
		else refresh();
	}, delay);
}

document.addEventListener('visibilitychange', () => {
	if (!document.hidden && view && view.paused) {
		view.paused = false;
		view.refresh();
	}
});

function mount(...children) {
	fill($('#view'), ...children);
}

function focusTitle() {
	const title = $('#view-title');
	if (title) title.focus();
}

// Keeps keyboard focus across a re-render: the new element with the same data-focus key.
function keepFocus(container, render) {
	const key = document.activeElement && container.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
	render();
	if (key) {
		const again = container.querySelector(`[data-focus="${CSS.escape(key)}"]`);
		if (again) again.focus();
	}
}

function errorBox() {
	return h('p', { class: 'error', role: 'alert', hidden: true });
}

function pager(nav, links, currentPage, hrefFor) {
	const last = links.last ? pageOf(links.last) : currentPage;
	nav.hidden = last === '1' && currentPage === '1';
	const item = (rel, label) => {
		const page = links[rel] ? pageOf(links[rel]) : null;
		if (!page || page === currentPage) return h('li', null, h('span', { class: 'pager-off', 'aria-disabled': 'true' }, label));
		return h('li', null, h('a', { href: hrefFor(page), rel: rel === 'prev' || rel === 'next' ? rel : null }, label));
	};
	fill(
		nav,
		h(
			'ul',
			null,
			item('first', 'First'),
			item('prev', 'Previous'),
			h('li', { class: 'pager-at', 'aria-current': 'page' }, `Page ${currentPage} of ${last}`),
			item('next', 'Next'),
			item('last', 'Last'),
		),
	);
}

function decoded(text) {
	try {
		return decodeURIComponent(text);
	} catch {
		return text; // a stray %: the API will say what is wrong with the id
	}
}

function parseRoute() {
	const raw = location.hash.replace(/^#/, '') || '/';
	const q = raw.indexOf('?');
	const path = q < 0 ? raw : raw.slice(0, q);
	const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
	if (path === '/' || path === '') return { name: 'projects', page: params.get('page') || '1' };
	const m = path.match(/^\/projects\/([^/]+)$/);
	if (m) return { name: 'project', id: decoded(m[1]), page: params.get('page') || '1', activity: params.get('activity') || '1' };
	return { name: 'missing' };
}

function route() {
	stopView();
	if (!token()) {
		showLogin('');
		return;
	}
	$('#login').hidden = true;
	$('#topnav').hidden = false;
	$('#signed-in').textContent = `Signed in: ${signedInAs(token())}`;
	const r = parseRoute();
	const v = startView();
	if (r.name === 'projects') projectsView(v, r);
	else if (r.name === 'project') projectView(v, r);
	else missingView();
}

// ---------------------------------------------------------------------------------------------
// The token prompt.

// Who the token says is signed in, for display only (the server verified it): a JWT's sub, or
// "API token" for anything that is not a JWT with one.
function signedInAs(value) {
	const parts = value.split('.');
	if (parts.length === 3) {
		try {
			const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'));
			const sub = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))).sub;
			if (typeof sub === 'string' && sub) return sub;
		} catch {
			// not a JWT after all
		}
	}
	return 'API token';
}

function showLogin(message) {
	stopView();
	fill($('#view'));
	$('#topnav').hidden = true;
	$('#login').hidden = false;
	document.title = 'Sign in · Hosting panel';
	showMessage($('#login-error'), message);
	const input = $('#token');
	input.setAttribute('aria-invalid', message ? 'true' : 'false');
	input.value = '';
	input.focus();
}

// A 401 anywhere lands here: the token is dropped and the prompt comes back with the API's words.
function signOut(message) {
	if (!$('#login').hidden && !token()) return;
	sessionStorage.removeItem(TOKEN_KEY);
	stored.clear();
	if (message) returnTo = location.hash;
	showLogin(message);
}

$('#sign-out').addEventListener('click', () => {
	returnTo = '';
	sessionStorage.removeItem(TOKEN_KEY);
	stored.clear();
	announce('Signed out');
	showLogin('');
});

$('#login-form').addEventListener('submit', async (event) => {
	event.preventDefault();
	const input = $('#token');
	const button = event.target.querySelector('button');
	const value = input.value.trim();
	if (!value) {
		showMessage($('#login-error'), 'enter the project API token or an access token');
		input.setAttribute('aria-invalid', 'true');
		input.focus();
		return;
	}
	if (button.getAttribute('aria-disabled') === 'true') return;
	button.setAttribute('aria-disabled', 'true');
	sessionStorage.setItem(TOKEN_KEY, value);
	try {
		// Any answer but 401 means the token passed the check (a 403 shows in the view).
		await api('/projects?page=1');
	} catch (e) {
		if (e.status === 401) return; // signOut() has shown the prompt with the message
	} finally {
		button.removeAttribute('aria-disabled');
	}
	input.value = '';
	showMessage($('#login-error'), '');
	const target = returnTo;
	returnTo = '';
	if (target && target !== location.hash) location.hash = target;
	else route();
});

// ---------------------------------------------------------------------------------------------
// Projects: 8 per page, a badge each, pages from the Link header.

function projectsView(v, r) {
	lastProjectsPage = r.page;
	document.title = `Projects (page ${r.page}) · Hosting panel`;
	const summary = h('p', { class: 'summary' }, 'Loading projects…');
	const error = errorBox();
	const list = h('ul', { class: 'projects', 'aria-labelledby': 'view-title', 'aria-busy': 'true' });
	const nav = h('nav', { class: 'pager', 'aria-label': 'Project pages', hidden: true });
	const refresh = h('button', { type: 'button', class: 'quiet', onclick: () => load() }, 'Refresh');
	mount(
		h(
			'section',
			{ class: 'projects-view', 'aria-labelledby': 'view-title' },
			h('div', { class: 'view-head' }, h('h1', { id: 'view-title', tabindex: '-1' }, 'Projects'), refresh),
			summary,
			error,
			list,
			nav,
		),
	);
	focusTitle();
	let shown = null;

	function render(answer) {
		const projects = answer.data;
		const last = answer.links.last ? pageOf(answer.links.last) : r.page;
		const total = answer.total ?? projects.length;
		summary.textContent = `${total} ${total === 1 ? 'project' : 'projects'} · page ${r.page} of ${last}`;
		keepFocus(list, () =>
			fill(
				list,
				projects.length === 0 ? h('li', { class: 'empty' }, 'No projects on this page.') : null,
				projects.map((p) =>
					h(
						'li',
						{ class: 'project card', 'data-project': p.id },
						h(
							'div',
							{ class: 'card-head' },
							h('h2', null, h('a', { href: `#/projects/${p.id}`, 'data-focus': `p${p.id}` }, p.name)),
							h('span', { class: 'badges' }, projectBadges(p)),
						),
						h(
							'dl',
							{ class: 'facts' },
							h('div', null, h('dt', null, 'URL'), h('dd', null, urlLink(p.url))),
							h(
								'div',
								null,
								h('dt', null, 'Latest deployment'),
								h('dd', null, p.latestDeployment ? [`#${p.latestDeployment.id} `, p.latestDeployment.status, ', ', timeEl(p.latestDeployment.createdAt)] : h('span', { class: 'muted' }, 'none')),
							),
							h('div', null, h('dt', null, 'Owner'), h('dd', null, `user ${p.ownerId}`)),
						),
					),
				),
			),
		);
		pager(nav, answer.links, r.page, (page) => `#/?page=${encodeURIComponent(page)}`);
	}

	async function load() {
		const seq = ++v.seq;
		try {
			const answer = await api(`/projects?page=${encodeURIComponent(r.page)}`, { signal: v.abort.signal });
			if (!current(v, seq)) return;
			showMessage(error, '');
			if (answer.changed || !shown) {
				if (shown) {
					const before = new Map(shown.data.map((p) => [p.id, projectState(p).label]));
					const changes = answer.data.filter((p) => before.has(p.id) && before.get(p.id) !== projectState(p).label);
					if (changes.length) announce(changes.map((p) => `${p.name}: ${projectState(p).label}`).join('. '));
				}
				render(answer);
				shown = answer;
			}
			list.removeAttribute('aria-busy');
			schedule(v, answer.data.some((p) => p.hasOngoingDeployment), load);
		} catch (e) {
			if (isAbort(e) || !current(v, seq) || e.status === 401) return;
			list.removeAttribute('aria-busy');
			if (!shown) summary.textContent = '';
			showMessage(error, e.message);
			schedule(v, false, load);
		}
	}
	load();
}

// ---------------------------------------------------------------------------------------------
// One project: its deployments as a timeline, Deploy and Cancel, its activity, its owner's stats.

function metaLine(meta) {
	const parts = [];
	if (!meta) return parts;
	if (meta.branch) parts.push(h('span', null, hiddenText('Branch: '), h('span', { class: 'branch' }, meta.branch)));
	if (meta.commitSha) parts.push(h('span', null, hiddenText('Commit: '), h('code', { title: meta.commitSha }, meta.commitSha.slice(0, 7))));
	if (meta.commitMessage) parts.push(h('span', { class: 'commit-message' }, `“${meta.commitMessage.split('\n')[0]}”`));
	if (meta.trigger) parts.push(h('span', { class: 'muted' }, `trigger: ${meta.trigger}`));
	return parts.flatMap((part, i) => (i ? [h('span', { class: 'sep', 'aria-hidden': 'true' }, ' · '), part] : [part]));
}

function describeEvent(event) {
	const p = event.payload || {};
	const dep = p.deploymentId ? `Deployment #${p.deploymentId}` : 'Deployment';
	switch (event.name) {
		case 'deployment.created':
			return `${dep} created`;
		case 'deployment.status_changed':
			return `${dep}: ${p.previousStatus || '?'} → ${p.status}${p.status === 'done' && p.deployedIn !== null && p.deployedIn !== undefined ? ` in ${duration(p.deployedIn)}` : ''}`;
		case 'deployment.cancelled':
			return `${dep} cancelled`;
		case 'project.url_assigned':
			return `URL assigned: ${p.projectUrl || ''}`;
		default:
			return event.name;
	}
}

function projectView(v, r) {
	const id = r.id;
	const base = `/projects/${encodeURIComponent(id)}`;
	const hrefWith = (page, activity) => `#/projects/${encodeURIComponent(id)}?page=${encodeURIComponent(page)}&activity=${encodeURIComponent(activity)}`;
	document.title = `Project ${id} · Hosting panel`;

	const title = h('h1', { id: 'view-title', tabindex: '-1' }, `Project ${id}`);
	const badges = h('span', { class: 'badges' });
	const mainError = errorBox();
	const facts = h('dl', { class: 'facts' });
	const auto = h('p', { class: 'auto muted' });

	// Deploy: one Idempotency-Key per intent. It is kept when the answer was lost (network
	// error, 5xx), so pressing Deploy again retries the same request; a definite answer or a
	// change of the details starts a new intent.
	let intent = uuid();
	let deploying = false;
	const deployError = errorBox();
	const deployNote = h('p', { class: 'note', role: 'status' });
	const field = (name, label, hint) =>
		h('div', { class: 'field' }, h('label', { for: `deploy-${name}` }, label), h('input', { id: `deploy-${name}`, name, type: 'text', autocomplete: 'off', maxlength: '1000', placeholder: hint, oninput: () => { if (!deploying) intent = uuid(); } }));
	const deployButton = h('button', { type: 'submit', class: 'primary', 'data-focus': 'deploy' }, 'Deploy');
	const deployForm = h(
		'form',
		{ class: 'deploy', 'aria-label': 'New deployment', hidden: true },
		h('details', null, h('summary', null, 'Details (optional)'), h('div', { class: 'fields' }, field('branch', 'Branch', 'main'), field('commitSha', 'Commit SHA', '9fceb02'), field('commitMessage', 'Commit message', ''))),
		h('div', { class: 'deploy-row' }, deployButton, deployNote),
		deployError,
	);

	const depTitle = h('h2', { id: 'deployments-title', tabindex: '-1' }, 'Deployments');
	const depSummary = h('p', { class: 'summary' });
	const depError = errorBox();
	const depNote = h('p', { class: 'note', role: 'status' });
	const timeline = h('ol', { class: 'timeline', 'aria-labelledby': 'deployments-title', 'aria-busy': 'true' });
	const depPager = h('nav', { class: 'pager', 'aria-label': 'Deployment pages', hidden: true });

	const feedError = errorBox();
	const feed = h('ol', { class: 'feed', 'aria-labelledby': 'activity-title', 'aria-busy': 'true' });
	const feedPager = h('nav', { class: 'pager', 'aria-label': 'Activity pages', hidden: true });

	const statsTitle = h('h2', { id: 'stats-title' }, 'Owner’s deployments');
	const statsError = errorBox();
	const stats = h('dl', { class: 'stats', 'aria-labelledby': 'stats-title' });

	const refresh = h('button', { type: 'button', class: 'quiet', onclick: () => load() }, 'Refresh');
	let columns;
	mount(
		h('p', { class: 'back' }, h('a', { href: `#/?page=${encodeURIComponent(lastProjectsPage)}` }, '← All projects')),
		h(
			'article',
			{ class: 'project-view', 'aria-labelledby': 'view-title' },
			h('div', { class: 'view-head' }, h('div', { class: 'title-row' }, title, badges), refresh),
			mainError,
			facts,
			deployForm,
			auto,
			(columns = h(
				'div',
				{ class: 'columns' },
				h('section', { class: 'deployments', 'aria-labelledby': 'deployments-title' }, depTitle, depSummary, depNote, depError, timeline, depPager),
				h(
					'div',
					{ class: 'side' },
					h('section', { class: 'activity', 'aria-labelledby': 'activity-title' }, h('h2', { id: 'activity-title' }, 'Activity'), feedError, feed, feedPager),
					h('section', { class: 'owner-stats', 'aria-labelledby': 'stats-title' }, statsTitle, statsError, stats),
				),
			)),
		),
	);
	focusTitle();

	let project = null;
	let deployments = null;
	let focusAfter = null; // a data-focus key to move to after the next render

	function renderProject(p) {
		title.textContent = p.name;
		document.title = `${p.name} · Hosting panel`;
		fill(badges, projectBadges(p));
		fill(
			facts,
			h('div', null, h('dt', null, 'URL'), h('dd', null, urlLink(p.url))),
			h('div', null, h('dt', null, 'Owner'), h('dd', null, `user ${p.ownerId}`)),
			h('div', null, h('dt', null, 'Created'), h('dd', null, timeEl(p.createdAt))),
			h('div', null, h('dt', null, 'Project id'), h('dd', null, String(p.id))),
		);
		deployForm.hidden = false;
	}

	function renderDeployments(answer) {
		const last = answer.links.last ? pageOf(answer.links.last) : r.page;
		const total = answer.total ?? answer.data.length;
		depSummary.textContent = total === 0 ? 'No deployments yet.' : `${total} ${total === 1 ? 'deployment' : 'deployments'} · page ${r.page} of ${last}, newest first`;
		keepFocus(timeline, () =>
			fill(
				timeline,
				answer.data.map((d) =>
					h(
						'li',
						{ class: `deployment status-${d.status}`, 'data-deployment': d.id },
						h('div', { class: 'dep-head' }, statusBadge(d.status), h('h3', { tabindex: '-1', 'data-focus': `d${d.id}` }, `Deployment #${d.id}`), timeEl(d.createdAt)),
						h('p', { class: 'meta' }, metaLine(d.meta)),
						d.deployedIn !== null && d.deployedIn !== undefined
							? h('p', { class: 'took' }, `Deployed in ${duration(d.deployedIn)}`)
							: UNFINISHED.has(d.status)
								? h('p', { class: 'took muted' }, 'In progress')
								: h('p', { class: 'took muted' }, `Finished ${d.status}, `, timeEl(d.updatedAt)),
						UNFINISHED.has(d.status)
							? h('button', { type: 'button', class: 'danger', 'data-focus': `c${d.id}`, onclick: (e) => cancel(d.id, e.currentTarget) }, 'Cancel', hiddenText(` deployment #${d.id}`))
							: null,
					),
				),
			),
		);
		pager(depPager, answer.links, r.page, (page) => hrefWith(page, r.activity));
	}

	function renderFeed(answer) {
		fill(
			feed,
			answer.data.length === 0 ? h('li', { class: 'empty muted' }, 'No activity yet.') : null,
			answer.data.map((event) => {
				const p = event.payload || {};
				return h('li', { class: 'event', 'data-event': event.id, 'data-name': event.name }, h('span', { class: 'event-text' }, describeEvent(event)), h('span', { class: 'event-when muted' }, timeEl(p.occurredAt || event.createdAt), p.source ? ` · via ${p.source === 'api' ? 'API' : p.source}` : ''));
			}),
		);
		pager(feedPager, answer.links, r.activity, (page) => hrefWith(r.page, page));
	}

	function renderStats(s) {
		statsTitle.textContent = `Owner’s deployments (user ${s.userId})`;
		const row = (label, value) => h('div', null, h('dt', null, label), h('dd', null, value));
		fill(
			stats,
			row('Deployments', String(s.deployments)),
			row('Successful', String(s.successfulDeployments)),
			row('Weeks', String(s.weeks)),
			row('Per week', numberFormat.format(s.averageWeeklyDeployments)),
			row('Successful per week', numberFormat.format(s.averageWeeklySuccessfulDeployments)),
		);
	}

	// What changed since the last answer, for the live region.
	function changes(oldProject, newProject, oldDeps, newDeps) {
		const said = [];
		if (oldDeps) {
			const before = new Map(oldDeps.map((d) => [d.id, d.status]));
			for (const d of newDeps) if (before.has(d.id) && before.get(d.id) !== d.status) said.push(`Deployment #${d.id} is now ${d.status}`);
		}
		if (oldProject && newProject && !oldProject.url && newProject.url) said.push(`URL assigned: ${newProject.url}`);
		return said;
	}

	async function load() {
		const seq = ++v.seq;
		const signal = v.abort.signal;
		const [p, d, a] = await Promise.allSettled([
			api(base, { signal }),
			api(`${base}/deployments?page=${encodeURIComponent(r.page)}`, { signal }),
			api(`${base}/activity?page=${encodeURIComponent(r.activity)}`, { signal }),
		]);
		if (!current(v, seq) || !token()) return;
		for (const x of [p, d, a]) if (x.status === 'rejected' && (isAbort(x.reason) || x.reason.status === 401)) return;

		if (p.status === 'rejected') {
			showMessage(mainError, p.reason.message);
			// A project that does not exist (404) or an id that is not one (400) will not change.
			if (p.reason.status === 404 || p.reason.status === 400) {
				deployForm.hidden = columns.hidden = refresh.hidden = true;
				return;
			}
		} else {
			showMessage(mainError, '');
		}
		const said = changes(project, p.status === 'fulfilled' ? p.value.data : null, deployments, d.status === 'fulfilled' ? d.value.data : []);
		if (p.status === 'fulfilled' && (p.value.changed || !project)) renderProject(p.value.data);
		if (d.status === 'fulfilled') {
			showMessage(depError, '');
			if (d.value.changed || !deployments) renderDeployments(d.value);
			deployments = d.value.data;
			timeline.removeAttribute('aria-busy');
		} else {
			showMessage(depError, d.reason.message);
		}
		if (a.status === 'fulfilled') {
			showMessage(feedError, '');
			if (a.value.changed || feed.getAttribute('aria-busy')) renderFeed(a.value);
			feed.removeAttribute('aria-busy');
		} else {
			showMessage(feedError, a.reason.message);
		}
		if (p.status === 'fulfilled') {
			project = p.value.data;
			try {
				const s = await api(`/users/${encodeURIComponent(project.ownerId)}/stats`, { signal });
				if (!current(v, seq)) return;
				showMessage(statsError, '');
				if (s.changed || !stats.firstChild) renderStats(s.data);
			} catch (e) {
				if (isAbort(e) || !current(v, seq) || e.status === 401) return;
				showMessage(statsError, e.message);
			}
		}
		if (said.length) announce(said.join('. '));
		if (focusAfter) {
			const el = document.querySelector(`[data-focus="${CSS.escape(focusAfter)}"]`);
			focusAfter = null;
			if (el) el.focus();
		}
		const busy = (project && project.hasOngoingDeployment) || (deployments || []).some((x) => UNFINISHED.has(x.status));
		auto.textContent = busy ? 'A deployment is in progress: this page refreshes itself every few seconds.' : '';
		schedule(v, busy, load);
	}

	deployForm.addEventListener('submit', async (event) => {
		event.preventDefault();
		// aria-disabled rather than disabled: the button keeps keyboard focus while it waits.
		if (deploying) return;
		deploying = true;
		deployButton.setAttribute('aria-disabled', 'true');
		deployButton.textContent = 'Deploying…';
		showMessage(deployError, '');
		deployNote.textContent = '';
		const meta = { trigger: 'manual' };
		for (const name of ['branch', 'commitSha', 'commitMessage']) {
			const value = deployForm.elements[name].value.trim();
			if (value) meta[name] = value;
		}
		try {
			const answer = await api(`${base}/deployment`, { method: 'POST', body: meta, headers: { 'Idempotency-Key': intent } });
			intent = uuid();
			deployNote.textContent = answer.status === 201 ? `Deployment #${answer.data.id} created.` : `Deployment #${answer.data.id} was already created by this request.`;
			if (view === v) v.lastBusy = Date.now();
			load();
		} catch (e) {
			if (e.status === 401) return;
			if (e.status !== 0 && e.status < 500) intent = uuid();
			showMessage(deployError, e.message);
		} finally {
			deploying = false;
			deployButton.removeAttribute('aria-disabled');
			deployButton.textContent = 'Deploy';
		}
	});

	async function cancel(depId, button) {
		if (button.getAttribute('aria-disabled') === 'true') return;
		button.setAttribute('aria-disabled', 'true');
		fill(button, 'Cancelling…', hiddenText(` deployment #${depId}`));
		showMessage(depError, '');
		try {
			await api(`/deployments/${encodeURIComponent(depId)}/cancel`, { method: 'POST' });
			depNote.textContent = `Deployment #${depId} cancelled.`;
			focusAfter = `d${depId}`;
		} catch (e) {
			if (e.status === 401) return;
			showMessage(depError, e.message);
			focusAfter = `d${depId}`;
		}
		load();
	}

	load();
}

function missingView() {
	document.title = 'Not found · Hosting panel';
	mount(h('section', { 'aria-labelledby': 'view-title' }, h('h1', { id: 'view-title', tabindex: '-1' }, 'Nothing here'), h('p', null, h('a', { href: '#/' }, 'Go to the projects'))));
	focusTitle();
}

window.addEventListener('hashchange', route);
route();
