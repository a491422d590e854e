// The Deploy form of a project: optional details, and one Idempotency-Key per intent. The key
// is kept when the answer was lost (network error, 5xx), so pressing Deploy again retries the
// same request; a definite answer or a change of the details starts a new intent.

import { h, showMessage, uuid } from './dom.js';
import { api } from './api.js';
import { errorBox } from './view.js';

// base is the project's API path; onDeployed runs once the API has the deployment.
export function deployForm(base, onDeployed) {
	let intent = uuid();
	let deploying = false;
	const error = errorBox();
	const note = h('p', { class: 'note', role: 'status' });
	const field = (name, label, hint) =>
		h(
			'div',
			{ class: 'field' },
			h('label', { for: `deploy-${name}` }, label),
			h('input', {
				id: `deploy-${name}`,
				name,
				type: 'text',
				autocomplete: 'off',
				maxlength: '1000',
				placeholder: hint,
				oninput: () => {
					if (!deploying) intent = uuid();
				},
			}),
		);
	const button = h('button', { type: 'submit', class: 'primary', 'data-focus': 'deploy' }, 'Deploy');
	const form = h(
		'form',
		{ class: 'deploy', 'aria-label': 'New deployment', hidden: true },
		h('details', null, h('summary', null, 'Details (optional)'), h('div', { class: 'fields' }, field('branch', 'Branch', 'main'), field('commitSha', 'Commit SHA', '9fceb02'), field('commitMessage', 'Commit message', ''))),
		h('div', { class: 'deploy-row' }, button, note),
		error,
	);

	async function submit(event) {
		event.preventDefault();
		// aria-disabled rather than disabled: the button keeps keyboard focus while it waits.
		if (deploying) return;
		deploying = true;
		button.setAttribute('aria-disabled', 'true');
		button.textContent = 'Deploying…';
		showMessage(error, '');
		note.textContent = '';
		const meta = { trigger: 'manual' };
		for (const name of ['branch', 'commitSha', 'commitMessage']) {
			const value = form.elements[name].value.trim();
			if (value) meta[name] = value;
		}
		try {
			const answer = await api(`${base}/deployment`, { method: 'POST', body: meta, headers: { 'Idempotency-Key': intent } });
			intent = uuid();
			note.textContent = answer.status === 201 ? `Deployment #${answer.data.id} created.` : `Deployment #${answer.data.id} was already created by this request.`;
			onDeployed();
		} catch (e) {
			if (e.status === 401) return;
			if (e.status !== 0 && e.status < 500) intent = uuid();
			showMessage(error, e.message);
		} finally {
			deploying = false;
			button.removeAttribute('aria-disabled');
			button.textContent = 'Deploy';
		}
	}
	form.addEventListener('submit', submit);
	// The second click of a double click is the same intent, even when the first one's answer
	// came back in between (a fast server): it submits nothing more.
	button.addEventListener('click', (event) => {
		if (event.detail > 1) event.preventDefault();
	});
	return form;
}
