// The statistics of a project's owner (GET /users/{id}/stats).

import { fill, h, numberFormat, showMessage } from './dom.js';
import { errorBox } from './view.js';

export function ownerStats() {
	const title = h('h2', { id: 'stats-title' }, 'Owner’s deployments');
	const error = errorBox();
	const stats = h('dl', { class: 'stats', 'aria-labelledby': 'stats-title' });
	const element = h('section', { class: 'owner-stats', 'aria-labelledby': 'stats-title' }, title, error, stats);
	const row = (label, value) => h('div', null, h('dt', null, label), h('dd', null, value));

	return {
		element,
		// Shows an API answer of the stats when it changed or nothing is shown yet.
		update(answer) {
			showMessage(error, '');
			if (!answer.changed && stats.firstChild) return;
			const s = answer.data;
			title.textContent = `Owner’s deployments (user ${s.userId})`;
			fill(
				stats,
				row('Deployments', String(s.deployments)),
				row('Successful', String(s.successfulDeployments)),
				row('Weeks', String(s.weeks)),
				row('Per week', numberFormat.format(s.averageWeeklyDeployments)),
				row('Successful per week', numberFormat.format(s.averageWeeklySuccessfulDeployments)),
			);
		},
		showError: (message) => showMessage(error, message),
	};
}
