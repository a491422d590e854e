// The current view's life: one at a time, its requests aborted when it goes, and its polling
// (fast while something is in flight and a while after, slow otherwise, none while the tab is
// hidden). Also what every view's markup shares: the title, error boxes, pagers and keeping
// keyboard focus across a re-render.

import { $, fill, h } from './dom.js';
import { pageOf } from './api.js';

const FAST_POLL_MS = 1500; // while a deployment is in flight
const SETTLE_MS = 15000; // and this long after, so the activity feed catches up with the drain
const IDLE_POLL_MS = 20000; // otherwise (someone else may deploy)

let view = null; // the current view: {id, abort, timer, seq, lastBusy, refresh, paused}
let viewIds = 0;

export function startView() {
	stopView();
	view = { id: ++viewIds, abort: new AbortController(), timer: 0, seq: 0, lastBusy: 0, refresh: null, paused: false };
	return view;
}

export function stopView() {
	if (!view) return;
	clearTimeout(view.timer);
	view.abort.abort();
	view = null;
}

// Is this answer still wanted: same view, and no newer load started meanwhile?
export const current = (v, seq) => v === view && seq === v.seq;
export const isCurrentView = (v) => v === view;

// Polls fast while something is in flight (and a while after), slowly otherwise, and not at all
// while the tab is hidden.
export function schedule(v, busy, refresh) {
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

export function mount(...children) {
	fill($('#view'), ...children);
}

export function focusTitle() {
	const title = $('#view-title');
	if (title) title.focus();
}

// Keeps keyboard focus across a re-render: the new element with the same data-focus key.
export function keepFocus(container, render) {
	const key = document.activeElement && container.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
	render();
	if (key) {
		const again = container.querySelector(`[data-focus="${CSS.escape(key)}"]`);
		if (again) again.focus();
	}
}

// Moves focus to the element with data-focus key, when there is one.
export function focusKey(key) {
	const el = key && document.querySelector(`[data-focus="${CSS.escape(key)}"]`);
	if (el) el.focus();
}

export function errorBox() {
	return h('p', { class: 'error', role: 'alert', hidden: true });
}

// Fills nav with First / Previous / Page n of m / Next / Last from a list's Link header.
export function pager(nav, links, currentPage, hrefFor) {
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

// The "page n of m" a list answer is on: its last page from Link, or this one.
export const lastPage = (answer, page) => (answer.links.last ? pageOf(answer.links.last) : page);
