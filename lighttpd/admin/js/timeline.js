// A project's deployments as a timeline, newest first, with Cancel on the unfinished ones.

import { fill, h, hiddenText, showMessage, timeEl, duration } from './dom.js';
import { api } from './api.js';
import { statusBadge, UNFINISHED } from './badges.js';
import { errorBox, keepFocus, lastPage, pager } from './view.js';

function metaLine(meta) {
	const parts = [];
	if (!meta) return parts;
	if (meta.branch) parts.push(h('span', null, hiddenText('Branch: '), h('span', { class: 'branch' }, meta.branch)));
	if (meta.commitSha) parts.push(h('span', null, hiddenText('Commit: '), h('code', { title: meta.commitSha }, meta.commitSha.slice(0, 7))));
	if (meta.commitMessage) parts.push(h('span', { class: 'commit-message' }, `“${meta.commitMessage.split('\n')[0]}”`));
	if (meta.trigger) parts.push(h('span', { class: 'muted' }, `trigger: ${meta.trigger}`));
	return parts.flatMap((part, i) => (i ? [h('span', { class: 'sep', 'aria-hidden': 'true' }, ' · '), part] : [part]));
}

function took(d) {
	if (d.deployedIn !== null && d.deployedIn !== undefined) return h('p', { class: 'took' }, `Deployed in ${duration(d.deployedIn)}`);
	if (UNFINISHED.has(d.status)) return h('p', { class: 'took muted' }, 'In progress');
	return h('p', { class: 'took muted' }, `Finished ${d.status}, `, timeEl(d.updatedAt));
}

// hrefFor(page) links a page of deployments; onChanged(focusKey) runs after a cancel (done or
// refused) so the page reloads and puts focus back on that deployment.
export function deploymentsSection(hrefFor, onChanged) {
	const title = h('h2', { id: 'deployments-title', tabindex: '-1' }, 'Deployments');
	const summary = h('p', { class: 'summary' });
	const error = errorBox();
	const note = h('p', { class: 'note', role: 'status' });
	const list = h('ol', { class: 'timeline', 'aria-labelledby': 'deployments-title', 'aria-busy': 'true' });
	const nav = h('nav', { class: 'pager', 'aria-label': 'Deployment pages', hidden: true });
	const element = h('section', { class: 'deployments', 'aria-labelledby': 'deployments-title' }, title, summary, note, error, list, nav);

	async function cancel(id, button) {
		if (button.getAttribute('aria-disabled') === 'true') return;
		button.setAttribute('aria-disabled', 'true');
		fill(button, 'Cancelling…', hiddenText(` deployment #${id}`));
		showMessage(error, '');
		try {
			await api(`/deployments/${encodeURIComponent(id)}/cancel`, { method: 'POST' });
			note.textContent = `Deployment #${id} cancelled.`;
		} catch (e) {
			if (e.status === 401) return;
			showMessage(error, e.message);
		}
		onChanged(`d${id}`);
	}

	const item = (d) =>
		h(
			'li',
			{ class: `deployment status-${d.status}`, 'data-deployment': d.id },
			h('div', { class: 'dep-head' }, statusBadge(d.status), h('h3', { tabindex: '-1', 'data-focus': `d${d.id}` }, `Deployment #${d.id}`), timeEl(d.createdAt)),
			h('p', { class: 'meta' }, metaLine(d.meta)),
			took(d),
			UNFINISHED.has(d.status)
				? h('button', { type: 'button', class: 'danger', 'data-focus': `c${d.id}`, onclick: (e) => cancel(d.id, e.currentTarget) }, 'Cancel', hiddenText(` deployment #${d.id}`))
				: null,
		);

	return {
		element,
		// Shows a page of deployments (an API answer) that is page `page` of the list.
		render(answer, page) {
			const total = answer.total ?? answer.data.length;
			summary.textContent = total === 0 ? 'No deployments yet.' : `${total} ${total === 1 ? 'deployment' : 'deployments'} · page ${page} of ${lastPage(answer, page)}, newest first`;
			keepFocus(list, () => fill(list, answer.data.map(item)));
			pager(nav, answer.links, page, hrefFor);
			list.removeAttribute('aria-busy');
		},
		showError: (message) => showMessage(error, message),
	};
}
