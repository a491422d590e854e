// A project's activity feed: its events from the aggregator, newest first, as sentences.

import { duration, fill, h, showMessage, timeEl } from './dom.js';
import { errorBox, pager } from './view.js';

function describeEvent(event) {
	const p = event.payload || {};
	const dep = p.deploymentId ? `Deployment #${p.deploymentId}` : 'Deployment';
	switch (event.name) {
		case 'deployment.created':
			return `${dep} created`;
		case 'deployment.status_changed': {
			const took = p.status === 'done' && p.deployedIn !== null && p.deployedIn !== undefined ? ` in ${duration(p.deployedIn)}` : '';
			return `${dep}: ${p.previousStatus || '?'} → ${p.status}${took}`;
		}
		case 'deployment.cancelled':
			return `${dep} cancelled`;
		case 'project.url_assigned':
			return `URL assigned: ${p.projectUrl || ''}`;
		default:
			return event.name;
	}
}

function eventItem(event) {
	const p = event.payload || {};
	const via = p.source ? ` · via ${p.source === 'api' ? 'API' : p.source}` : '';
	return h('li', { class: 'event', 'data-event': event.id, 'data-name': event.name }, h('span', { class: 'event-text' }, describeEvent(event)), h('span', { class: 'event-when muted' }, timeEl(p.occurredAt || event.createdAt), via));
}

// hrefFor(page) links a page of the feed.
export function activitySection(hrefFor) {
	const error = errorBox();
	const feed = h('ol', { class: 'feed', 'aria-labelledby': 'activity-title', 'aria-busy': 'true' });
	const nav = h('nav', { class: 'pager', 'aria-label': 'Activity pages', hidden: true });
	const element = h('section', { class: 'activity', 'aria-labelledby': 'activity-title' }, h('h2', { id: 'activity-title' }, 'Activity'), error, feed, nav);

	return {
		element,
		// Shows a page of the feed (an API answer, page `page`) when it changed or is the first.
		update(answer, page) {
			showMessage(error, '');
			if (answer.changed || feed.getAttribute('aria-busy')) {
				fill(feed, answer.data.length === 0 ? h('li', { class: 'empty muted' }, 'No activity yet.') : null, answer.data.map(eventItem));
				pager(nav, answer.links, page, hrefFor);
			}
			feed.removeAttribute('aria-busy');
		},
		showError: (message) => showMessage(error, message),
	};
}
