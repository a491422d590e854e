// The admin page: a small client of the project service's public API on this origin, with the
// project token or JWT the user types once. Everything the API returns is rendered as text nodes or
// checked attributes, never as markup; nothing is fetched from anywhere but this origin.
// ES modules, no build step (js/): dom (elements and formats), api (requests, token, ETags),
// view (lifecycle, polling, pagers), login, and one module per view or part of one. This file
// routes: #/ (projects, ?page=N) and #/projects/{id} (?page=N for deployments, &activity=N).

import { $, h } from './js/dom.js';
import { session, token } from './js/api.js';
import { expired, setupLogin, showLogin, signedInAs } from './js/login.js';
import { projectView } from './js/project.js';
import { projectsView } from './js/projects.js';
import { focusTitle, mount, startView, stopView } from './js/view.js';

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

function missingView() {
	document.title = 'Not found · Hosting panel';
	mount(h('section', { 'aria-labelledby': 'view-title' }, h('h1', { id: 'view-title', tabindex: '-1' }, 'Nothing here'), h('p', null, h('a', { href: '#/' }, 'Go to the projects'))));
	focusTitle();
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

// A 401 from any request: back to the prompt, with the API's words.
session.addEventListener('unauthorized', (event) => expired(event.detail));
setupLogin(route);
window.addEventListener('hashchange', route);
route();
