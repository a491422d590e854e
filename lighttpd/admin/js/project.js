// #/projects/{id} (?page=N for its deployments, &activity=N for its feed): the project's facts
// and badges, Deploy, its deployments as a timeline with Cancel, its activity feed and its
// owner's statistics. Each part is its own module; this one lays them out, loads them together
// and refreshes them, fast while a deployment is in flight.

import { announce, fill, h, showMessage, timeEl } from './dom.js';
import { api, isAbort, token } from './api.js';
import { projectBadges, UNFINISHED, urlLink } from './badges.js';
import { activitySection } from './activity.js';
import { deployForm } from './deploy.js';
import { projectsPage } from './projects.js';
import { ownerStats } from './stats.js';
import { deploymentsSection } from './timeline.js';
import { current, errorBox, focusKey, focusTitle, isCurrentView, mount, schedule } from './view.js';

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

function facts(p) {
	return [
		h('div', null, h('dt', null, 'URL'), h('dd', null, urlLink(p.url))),
		h('div', null, h('dt', null, 'Owner'), h('dd', null, `user ${p.ownerId}`)),
		h('div', null, h('dt', null, 'Created'), h('dd', null, timeEl(p.createdAt))),
		h('div', null, h('dt', null, 'Project id'), h('dd', null, String(p.id))),
	];
}

export function projectView(v, r) {
	const base = `/projects/${encodeURIComponent(r.id)}`;
	const hrefWith = (page, activity) => `#/projects/${encodeURIComponent(r.id)}?page=${encodeURIComponent(page)}&activity=${encodeURIComponent(activity)}`;
	document.title = `Project ${r.id} · Hosting panel`;

	let project = null;
	let deployments = null;
	let focusAfter = null; // a data-focus key to move to after the next load

	const title = h('h1', { id: 'view-title', tabindex: '-1' }, `Project ${r.id}`);
	const badges = h('span', { class: 'badges' });
	const mainError = errorBox();
	const factList = h('dl', { class: 'facts' });
	const auto = h('p', { class: 'auto muted' });
	const refresh = h('button', { type: 'button', class: 'quiet', onclick: () => load() }, 'Refresh');
	const deploy = deployForm(base, () => {
		if (isCurrentView(v)) v.lastBusy = Date.now();
		load();
	});
	const timeline = deploymentsSection(
		(page) => hrefWith(page, r.activity),
		(key) => {
			focusAfter = key;
			load();
		},
	);
	const feed = activitySection((page) => hrefWith(r.page, page));
	const stats = ownerStats();
	const columns = h('div', { class: 'columns' }, timeline.element, h('div', { class: 'side' }, feed.element, stats.element));
	mount(
		h('p', { class: 'back' }, h('a', { href: `#/?page=${encodeURIComponent(projectsPage())}` }, '← All projects')),
		h(
			'article',
			{ class: 'project-view', 'aria-labelledby': 'view-title' },
			h('div', { class: 'view-head' }, h('div', { class: 'title-row' }, title, badges), refresh),
			mainError,
			factList,
			deploy,
			auto,
			columns,
		),
	);
	focusTitle();

	function renderProject(p) {
		title.textContent = p.name;
		document.title = `${p.name} · Hosting panel`;
		fill(badges, projectBadges(p));
		fill(factList, facts(p));
		deploy.hidden = false;
	}

	async function loadStats(signal, seq) {
		try {
			const s = await api(`/users/${encodeURIComponent(project.ownerId)}/stats`, { signal });
			if (current(v, seq)) stats.update(s);
			return current(v, seq);
		} catch (e) {
			if (isAbort(e) || !current(v, seq) || e.status === 401) return false;
			stats.showError(e.message);
			return true;
		}
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
				deploy.hidden = columns.hidden = refresh.hidden = true;
				return;
			}
		} else {
			showMessage(mainError, '');
		}
		const said = changes(project, p.status === 'fulfilled' ? p.value.data : null, deployments, d.status === 'fulfilled' ? d.value.data : []);
		if (p.status === 'fulfilled' && (p.value.changed || !project)) renderProject(p.value.data);
		if (d.status === 'fulfilled') {
			timeline.showError('');
			if (d.value.changed || !deployments) timeline.render(d.value, r.page);
			deployments = d.value.data;
		} else {
			timeline.showError(d.reason.message);
		}
		if (a.status === 'fulfilled') feed.update(a.value, r.activity);
		else feed.showError(a.reason.message);
		if (p.status === 'fulfilled') {
			project = p.value.data;
			if (!(await loadStats(signal, seq))) return;
		}
		if (said.length) announce(said.join('. '));
		focusKey(focusAfter);
		focusAfter = null;
		const busy = (project && project.hasOngoingDeployment) || (deployments || []).some((x) => UNFINISHED.has(x.status));
		auto.textContent = busy ? 'A deployment is in progress: this page refreshes itself every few seconds.' : '';
		schedule(v, busy, load);
	}

	load();
}
