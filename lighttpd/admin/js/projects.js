// #/ (?page=N): the projects, 8 a page, each with its status badges, URL, latest deployment
// and owner; pages from the Link header. Refreshes itself, fast while one is deploying.

import { announce, fill, h, showMessage, timeEl } from './dom.js';
import { api, isAbort } from './api.js';
import { projectBadges, projectState, urlLink } from './badges.js';
import { current, errorBox, focusTitle, keepFocus, lastPage, mount, pager, schedule } from './view.js';

let lastProjectsPage = '1';

// The page of the list the user last saw, for the way back from a project.
export const projectsPage = () => lastProjectsPage;

function projectCard(p) {
	const latest = p.latestDeployment;
	return h(
		'li',
		{ class: 'project card', 'data-project': p.id },
		h('div', { class: 'card-head' }, h('h2', null, h('a', { href: `#/projects/${p.id}`, 'data-focus': `p${p.id}` }, p.name)), h('span', { class: 'badges' }, projectBadges(p))),
		h(
			'dl',
			{ class: 'facts' },
			h('div', null, h('dt', null, 'URL'), h('dd', null, urlLink(p.url))),
			h('div', null, h('dt', null, 'Latest deployment'), h('dd', null, latest ? [`#${latest.id} `, latest.status, ', ', timeEl(latest.createdAt)] : h('span', { class: 'muted' }, 'none'))),
			h('div', null, h('dt', null, 'Owner'), h('dd', null, `user ${p.ownerId}`)),
		),
	);
}

// The projects whose state changed between two answers, for the live region.
function stateChanges(before, after) {
	const was = new Map(before.map((p) => [p.id, projectState(p).label]));
	return after.filter((p) => was.has(p.id) && was.get(p.id) !== projectState(p).label).map((p) => `${p.name}: ${projectState(p).label}`);
}

export function projectsView(v, r) {
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
		const total = answer.total ?? projects.length;
		summary.textContent = `${total} ${total === 1 ? 'project' : 'projects'} · page ${r.page} of ${lastPage(answer, r.page)}`;
		keepFocus(list, () => fill(list, projects.length === 0 ? h('li', { class: 'empty' }, 'No projects on this page.') : null, projects.map(projectCard)));
		pager(nav, answer.links, r.page, (page) => `#/?page=${encodeURIComponent(page)}`);
	}

	async function load() {
		const seq = ++v.seq;
		try {
			const answer = await api(`/projects?page=${encodeURIComponent(r.page)}`, { signal: v.abort.signal });
			if (!current(v, seq)) return;
			showMessage(error, '');
			if (answer.changed || !shown) {
				const changes = shown ? stateChanges(shown.data, answer.data) : [];
				if (changes.length) announce(changes.join('. '));
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
