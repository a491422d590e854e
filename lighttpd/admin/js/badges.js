// What a project or a deployment looks like at a glance: status badges and the project's URL.

import { h, hiddenText, httpUrl } from './dom.js';

export const UNFINISHED = new Set(['pending', 'building', 'deploying']);

// A project's state from its latest deployment and flags.
export function projectState(p) {
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

export function projectBadges(p) {
	const state = projectState(p);
	const out = [badge(state.key, state.label, 'Status')];
	// Deploying again, or the newest one failed or was cancelled: an older one still serves.
	if (state.key !== 'live' && state.key !== 'never' && p.hasLiveDeployment) out.push(' ', badge('live', 'Live', 'Still'));
	return out;
}

export const statusBadge = (status) => badge(UNFINISHED.has(status) ? 'deploying' : status === 'done' ? 'live' : status, status, 'Status');

export function urlLink(url) {
	const href = url && httpUrl(url);
	if (!href) return url ? url : h('span', { class: 'muted' }, 'not assigned yet');
	return h('a', { href, class: 'url', target: '_blank', rel: 'noopener noreferrer' }, url, hiddenText(' (opens in a new tab)'));
}
