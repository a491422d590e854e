#!/usr/bin/env node
// The admin page (lighttpd/admin/) in headless Debian Chromium, driven by playwright-core,
// against the throwaway stack tests/e2e/run starts (tests/browser/run calls it): the token
// prompt, the projects list and its badges, a project's timeline, Deploy (a double click and a
// lost answer each create one deployment), Cancel, the webhook walking a deployment to done while
// the page refreshes itself, the feed and the stats, the API's error words, a 401 sending the
// user back to the prompt, and a pasted JWT signing in on a PROJECT_AUTH=token,jwt node. Every check compares the page with the API or the database.
// Screenshots go to tests/output/browser/.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const need = (name) => {
	const value = process.env[name];
	if (!value) {
		console.error(`admin.test: ${name} is not set; run this through tests/browser/run`);
		process.exit(2);
	}
	return value;
};
const ROOT = need('PANEL_ROOT');
const BASE = need('PANEL_TEST_PROJECT_URL');
const TOKEN = need('PROJECT_API_TOKEN');
const DATABASE_URL = need('DATABASE_URL');
const STATE = need('PANEL_STATE_DIR');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = join(ROOT, 'tests/output/browser');
const TOKEN_KEY = 'panel.projectToken'; // js/api.js keeps the token under this key
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// playwright-core is pinned in scripts/node (installed by scripts/node-tools).
const { chromium } = createRequire(join(ROOT, 'scripts/node/package.json'))('playwright-core');

// --- The API and the database, seen from outside the browser. ------------------------------

async function api(path, { method = 'GET', body, token = TOKEN, headers = {} } = {}) {
	const res = await fetch(BASE + path, {
		method,
		headers: {
			Authorization: `Bearer ${token}`,
			...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
			...headers,
		},
		body: body === undefined ? (method === 'POST' ? '' : undefined) : JSON.stringify(body),
	});
	const text = await res.text();
	return { status: res.status, headers: res.headers, data: text ? JSON.parse(text) : null };
}

async function apiOk(path, options) {
	const answer = await api(path, options);
	assert.ok(answer.status >= 200 && answer.status < 300, `${path}: ${answer.status} ${JSON.stringify(answer.data)}`);
	return answer;
}

function sql(query) {
	return execFileSync('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', DATABASE_URL, '-c', query], { encoding: 'utf8' }).trim();
}

const int = (n) => {
	assert.ok(Number.isSafeInteger(n), `not an id: ${n}`);
	return n;
};
const deploymentCount = (projectId) => Number(sql(`SELECT count(*) FROM deployments WHERE project_id = ${int(projectId)}`));

// What a build system does: report progress with the project's app secret.
const secrets = new Map();
async function webhook(projectId, deploymentId, status) {
	if (!secrets.has(projectId)) secrets.set(projectId, sql(`SELECT app_secret FROM projects WHERE id = ${int(projectId)}`));
	const secret = secrets.get(projectId);
	const res = await fetch(`${BASE}/deployment/webhook`, {
		method: 'POST',
		headers: { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ id: deploymentId, status }),
	});
	assert.equal(res.status, 200, `webhook ${deploymentId} -> ${status}: ${await res.text()}`);
}

async function createDeployment(projectId) {
	return (await apiOk(`/projects/${projectId}/deployment`, { method: 'POST' })).data.id;
}

// --- Steps. --------------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Retries an assertion until it holds (the page polls and renders on its own time).
async function eventually(what, check, timeout = 15000) {
	const end = Date.now() + timeout;
	for (;;) {
		try {
			return await check();
		} catch (e) {
			if (Date.now() > end) throw new Error(`${what}: still failing after ${timeout} ms: ${e.message}`);
		}
		await sleep(100);
	}
}

const steps = [];
const step = (name, fn) => steps.push({ name, fn });

let context, page;
const pageErrors = [];
const foreignRequests = [];
const deployPosts = []; // {key, body} of every POST .../deployment the page sends

async function shot(name, options = {}) {
	await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true, ...options });
}

const text = (locator) => locator.evaluateAll((els) => els.map((el) => el.textContent.replace(/\s+/g, ' ').trim()));
const card = (id) => page.locator(`.project[data-project="${id}"]`);
const entry = (id) => page.locator(`.deployment[data-deployment="${id}"]`);
const activeText = () => page.evaluate(() => document.activeElement && document.activeElement.textContent.trim());
const activeId = () => page.evaluate(() => document.activeElement && document.activeElement.id);

let projects, lastPage, A, B, C, D, E, F;
let d1, d2, liveUrl;

step('set up projects in every state through the API and the webhook', async () => {
	const first = await apiOk('/projects?page=1');
	projects = first.data;
	assert.equal(projects.length, 8, 'the generated seeds hold more than 8 projects');
	[A, B, C, D, E, F] = projects;
	for (const p of projects) assert.equal(p.latestDeployment, null, `project ${p.id} starts undeployed`);
	// The app secrets, in one query (the webhook needs them; the API never shows them).
	for (const line of sql(`SELECT id, app_secret FROM projects WHERE id IN (${projects.map((p) => int(p.id)).join(',')})`).split('\n')) {
		const bar = line.indexOf('|');
		secrets.set(Number(line.slice(0, bar)), line.slice(bar + 1));
	}

	await webhook(B.id, await createDeployment(B.id), 'building'); // deploying
	await webhook(C.id, await createDeployment(C.id), 'failed'); // failed
	await apiOk(`/deployments/${await createDeployment(D.id)}/cancel`, { method: 'POST' }); // cancelled
	await webhook(E.id, await createDeployment(E.id), 'done'); // live
	await webhook(F.id, await createDeployment(F.id), 'done');
	await webhook(F.id, await createDeployment(F.id), 'failed'); // failed, an older one still live

	const total = Number(first.headers.get('X-Total-Count'));
	lastPage = String(Math.ceil(total / 8));
	assert.ok(Number(lastPage) >= 2, 'more than one page of projects');
});

step('GET /admin redirects to /admin/, which asks for the token', async () => {
	const response = await page.goto(`${BASE}/admin`);
	assert.equal(new URL(page.url()).pathname, '/admin/');
	assert.equal(response.status(), 200);
	assert.match(response.headers()['content-security-policy'] || '', /default-src 'none'/);
	await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
	assert.equal(await activeId(), 'token', 'the token field has the focus');
	assert.equal(await page.locator('#topnav').isVisible(), false);
	await shot('01-sign-in');
});

step('a wrong token stays on the prompt with the API’s message', async () => {
	const expected = (await api('/projects', { token: 'not-the-token' })).data.message;
	await page.getByLabel('Project API token').fill('not-the-token');
	await page.keyboard.press('Enter');
	await eventually('the error under the field', async () => assert.equal(await page.locator('#login-error').textContent(), expected));
	assert.equal(await page.locator('#login-error').getAttribute('role'), 'alert');
	assert.equal(await page.getByLabel('Project API token').getAttribute('aria-invalid'), 'true');
	assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY), null);
	await shot('02-wrong-token');
});

step('the right token shows the projects, 8 a page, with a badge each', async () => {
	await page.getByLabel('Project API token').fill(TOKEN);
	await page.keyboard.press('Enter');
	await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
	assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY), TOKEN);
	assert.equal(await activeText(), 'Projects', 'focus moves to the view’s heading');
	const answer = await apiOk('/projects?page=1');
	await eventually('the list', async () =>
		assert.deepEqual(await text(page.locator('.project h2')), answer.data.map((p) => p.name)),
	);
	assert.equal(await page.locator('.summary').textContent(), `${answer.headers.get('X-Total-Count')} projects · page 1 of ${lastPage}`);
	const badges = async (p) => text(card(p.id).locator('.badge'));
	assert.deepEqual(await badges(A), ['Status: Never deployed']);
	assert.deepEqual(await badges(B), ['Status: Deploying']);
	assert.deepEqual(await badges(C), ['Status: Failed']);
	assert.deepEqual(await badges(D), ['Status: Cancelled']);
	assert.deepEqual(await badges(E), ['Status: Live']);
	assert.deepEqual(await badges(F), ['Status: Failed', 'Still: Live']);
	// A URL is a link once the project has one, and only then.
	const url = sql(`SELECT url FROM projects WHERE id = ${int(E.id)}`);
	assert.match(url, /^https:\/\/.+\.test\.example$/);
	assert.equal(await card(E.id).locator('a.url').getAttribute('href'), url);
	assert.equal(await card(A.id).locator('a.url').count(), 0);
	assert.equal(await card(A.id).locator('dd').first().textContent(), 'not assigned yet');
	await shot('03-projects');
});

step('pages come from the Link header, by mouse and keyboard', async () => {
	const second = await apiOk('/projects?page=2');
	await page.getByRole('navigation', { name: 'Project pages' }).getByRole('link', { name: 'Next' }).click();
	await eventually('page 2', async () =>
		assert.deepEqual(await text(page.locator('.project h2')), second.data.map((p) => p.name)),
	);
	assert.equal(new URL(page.url()).hash, '#/?page=2');
	assert.match(await page.locator('.summary').textContent(), new RegExp(`page 2 of ${lastPage}$`));
	await page.getByRole('link', { name: 'Previous' }).focus();
	await page.keyboard.press('Enter');
	await eventually('back on page 1', async () => assert.equal(await page.locator('.project h2').first().textContent(), A.name));
});

step('a project opens from the keyboard, with its timeline, feed and owner’s stats', async () => {
	await card(A.id).getByRole('link', { name: A.name }).focus();
	await page.keyboard.press('Enter');
	await page.getByRole('heading', { name: A.name, level: 1 }).waitFor();
	assert.equal(await activeText(), A.name, 'focus moves to the project’s heading');
	await eventually('an empty timeline', async () => assert.equal(await page.locator('.deployments .summary').textContent(), 'No deployments yet.'));
	await eventually('an empty feed', async () => assert.equal(await page.locator('.feed').textContent(), 'No activity yet.'));
	const stats = (await apiOk(`/users/${A.ownerId}/stats`)).data;
	await eventually('the stats', async () =>
		assert.deepEqual(await text(page.locator('.stats dd')), [
			String(stats.deployments),
			String(stats.successfulDeployments),
			String(stats.weeks),
			String(Math.round(stats.averageWeeklyDeployments * 100) / 100),
			String(Math.round(stats.averageWeeklySuccessfulDeployments * 100) / 100),
		]),
	);
	assert.deepEqual(await text(page.locator('.project-view .badge')), ['Status: Never deployed']);
});

step('a double click on Deploy creates exactly one deployment', async () => {
	assert.equal(deploymentCount(A.id), 0);
	await page.getByRole('button', { name: 'Deploy', exact: true }).dblclick();
	await eventually('the new deployment in the timeline', async () => assert.equal(await page.locator('.deployment').count(), 1));
	// The second click of a double click arriving after the first one's answer (a fast server)
	// is still the same intent: it sends nothing.
	await page.getByRole('button', { name: 'Deploy', exact: true }).dispatchEvent('click', { detail: 2 });
	await sleep(1000); // room for a second request to land, if the page sent one
	assert.equal(deploymentCount(A.id), 1, 'one row in the database');
	const list = await apiOk(`/projects/${A.id}/deployments`);
	assert.equal(list.headers.get('X-Total-Count'), '1');
	d1 = list.data[0].id;
	assert.equal(await page.locator('.deployment').getAttribute('data-deployment'), String(d1));
	assert.ok(deployPosts.length >= 1);
	assert.ok(deployPosts.every((p) => p.key === deployPosts[0].key), 'one Idempotency-Key for one intent');
	assert.match(deployPosts[0].key, UUID);
	assert.deepEqual(JSON.parse(deployPosts[0].body), { trigger: 'manual' });
	assert.equal(await page.locator('.deploy .note').textContent(), `Deployment #${d1} created.`);
	assert.deepEqual(await text(entry(d1).locator('.badge')), ['Status: pending']);
	assert.deepEqual(await text(page.locator('.project-view .title-row .badge')), ['Status: Deploying']);
	assert.match(await page.locator('.auto').textContent(), /refreshes itself/);
});

step('an answer lost on the way: Deploy again repeats the key and creates nothing more', async () => {
	const before = deployPosts.length;
	// Meta as a user types it, markup included: it must come back as text.
	await page.getByText('Details (optional)').click();
	await page.getByLabel('Branch').fill('feature/<b>bold</b>');
	await page.getByLabel('Commit SHA').fill('9fceb02d0ae598e95dc970b74767f19372d61af8');
	await page.getByLabel('Commit message').fill('<img src=x onerror="window.__injected=1">');
	// The server handles the first POST; the browser is told the connection dropped.
	await page.route(`**/projects/${A.id}/deployment`, async (route) => {
		await route.fetch();
		await route.abort('connectionreset');
	}, { times: 1 });
	await page.getByRole('button', { name: 'Deploy', exact: true }).click();
	await eventually('the network error', async () => assert.match(await page.locator('.deploy .error').textContent(), /could not reach the server/));
	assert.equal(deploymentCount(A.id), 2, 'the lost request did create a deployment');
	await page.getByRole('button', { name: 'Deploy', exact: true }).click();
	await eventually('the retry’s answer', async () => assert.match(await page.locator('.deploy .note').textContent(), /already created/));
	assert.equal(deploymentCount(A.id), 2, 'the retry created nothing');
	const mine = deployPosts.slice(before);
	assert.equal(mine.length, 2);
	assert.equal(mine[0].key, mine[1].key, 'the retry sent the same Idempotency-Key');
	assert.notEqual(mine[0].key, deployPosts[0].key, 'a new intent has a new key');
	d2 = (await apiOk(`/projects/${A.id}/deployments`)).data[0].id;
	assert.notEqual(d2, d1);
	await eventually('both in the timeline', async () => assert.equal(await page.locator('.deployment').count(), 2));
	assert.equal(await entry(d2).locator('.branch').textContent(), 'feature/<b>bold</b>');
	assert.equal(await entry(d2).locator('.commit-message').textContent(), '“<img src=x onerror="window.__injected=1">”');
	assert.equal(await entry(d2).locator('code').textContent(), '9fceb02');
	assert.equal(await page.locator('.deployment img, .deployment b').count(), 0, 'no markup from the API');
	assert.equal(await page.evaluate(() => window.__injected), undefined);
});

step('Cancel is offered only on unfinished deployments, and cancels one', async () => {
	assert.equal(await entry(d1).getByRole('button', { name: `Cancel deployment #${d1}` }).count(), 1);
	assert.equal(await entry(d2).getByRole('button', { name: `Cancel deployment #${d2}` }).count(), 1);
	await entry(d1).getByRole('button', { name: `Cancel deployment #${d1}` }).click();
	await eventually('the cancelled badge', async () => assert.deepEqual(await text(entry(d1).locator('.badge')), ['Status: cancelled']));
	assert.equal(sql(`SELECT status FROM deployments WHERE id = ${int(d1)}`), 'cancelled');
	assert.equal(await entry(d1).getByRole('button').count(), 0, 'no Cancel on a finished deployment');
	assert.equal(await page.locator('.deployments .note').textContent(), `Deployment #${d1} cancelled.`);
	assert.equal(await activeText(), `Deployment #${d1}`, 'focus stays on the cancelled deployment');
});

step('the webhook walks the other to done; the page follows by itself', async () => {
	await page.evaluate(() => {
		window.__announced = [];
		new MutationObserver(() => window.__announced.push(document.querySelector('#announcer').textContent)).observe(
			document.querySelector('#announcer'),
			{ childList: true, characterData: true, subtree: true },
		);
	});
	const url = page.url();
	await webhook(A.id, d2, 'building');
	await eventually('building', async () => assert.deepEqual(await text(entry(d2).locator('.badge')), ['Status: building']));
	await webhook(A.id, d2, 'deploying');
	await webhook(A.id, d2, 'done');
	await eventually('done', async () => assert.deepEqual(await text(entry(d2).locator('.badge')), ['Status: done']));
	assert.equal(page.url(), url, 'no navigation: the page refreshed itself');
	const deployedIn = Number(sql(`SELECT deployed_in FROM deployments WHERE id = ${int(d2)}`));
	assert.equal(await entry(d2).locator('.took').textContent(), `Deployed in ${deployedIn} s`);
	assert.equal(await entry(d2).getByRole('button').count(), 0);

	liveUrl = sql(`SELECT url FROM projects WHERE id = ${int(A.id)}`);
	assert.match(liveUrl, /^https:\/\/.+\.test\.example$/);
	await eventually('the live badge and the URL', async () => {
		assert.deepEqual(await text(page.locator('.project-view .title-row .badge')), ['Status: Live']);
		assert.equal(await page.locator('.project-view > .facts a.url').getAttribute('href'), liveUrl);
	});
	// The feed is the aggregator's, fed by the drain: the same events, in the same order.
	await eventually('the feed', async () => {
		const events = (await apiOk(`/projects/${A.id}/activity`)).data;
		assert.deepEqual(await page.locator('.event').evaluateAll((els) => els.map((el) => el.dataset.name)), events.map((e) => e.name));
		const lines = await text(page.locator('.event-text'));
		assert.ok(lines.includes(`URL assigned: ${liveUrl}`), lines.join(' | '));
		assert.ok(lines.includes(`Deployment #${d2}: deploying → done in ${deployedIn} s`), lines.join(' | '));
		assert.ok(lines.includes(`Deployment #${d2}: pending → building`), lines.join(' | '));
		assert.ok(lines.includes(`Deployment #${d1} cancelled`), lines.join(' | '));
		assert.ok(lines.includes(`Deployment #${d1} created`), lines.join(' | '));
	}, 20000);
	const stats = (await apiOk(`/users/${A.ownerId}/stats`)).data;
	assert.ok(stats.successfulDeployments >= 1);
	await eventually('the stats', async () =>
		assert.deepEqual((await text(page.locator('.stats dd'))).slice(0, 2), [String(stats.deployments), String(stats.successfulDeployments)]),
	);
	const announced = (await page.evaluate(() => window.__announced)).join(' | ');
	assert.match(announced, new RegExp(`Deployment #${d2} is now done`));
	assert.ok(announced.includes(`URL assigned: ${liveUrl}`), announced);
	assert.equal(await page.locator('#announcer').getAttribute('aria-live'), 'polite');
	await shot('04-project-live');
});

step('readable at phone width (375 px)', async () => {
	await page.setViewportSize({ width: 375, height: 812 });
	await sleep(200);
	assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), 'no sideways scrolling');
	const deploy = await page.getByRole('button', { name: 'Deploy', exact: true }).boundingBox();
	assert.ok(deploy.height >= 44, `Deploy is ${deploy.height} px tall`);
	await shot('05-project-phone');
	await page.setViewportSize({ width: 1280, height: 900 });
});

step('back on the list, the project is live with its URL', async () => {
	await page.getByRole('link', { name: '← All projects' }).click();
	await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
	await eventually('the live badge', async () => assert.deepEqual(await text(card(A.id).locator('.badge')), ['Status: Live']));
	assert.equal(await card(A.id).locator('a.url').getAttribute('href'), liveUrl);
	assert.equal(await card(A.id).locator('a.url').getAttribute('rel'), 'noopener noreferrer');
	await shot('06-projects-after');
});

step('errors are shown as the API words them', async () => {
	for (const id of ['999999999999', 'abc']) {
		const answer = await api(`/projects/${id}`);
		assert.ok(answer.status === 404 || answer.status === 400, `GET /projects/${id}: ${answer.status}`);
		await page.goto(`${BASE}/admin/#/projects/${id}`);
		await eventually(`the error for ${id}`, async () => assert.equal(await page.locator('.project-view > .error').textContent(), answer.data.message));
		assert.equal(await page.getByRole('button', { name: 'Deploy', exact: true }).isVisible(), false);
	}
	await shot('07-api-error');
});

step('a 401 mid-session returns to the prompt; signing in again returns to the page', async () => {
	await page.goto(`${BASE}/admin/#/projects/${A.id}`);
	await page.getByRole('heading', { name: A.name, level: 1 }).waitFor();
	// The token stops being valid (as after a rotation on the server).
	await page.evaluate((key) => sessionStorage.setItem(key, 'a-revoked-token'), TOKEN_KEY);
	await page.getByRole('button', { name: 'Refresh' }).click();
	const expected = (await api('/projects', { token: 'a-revoked-token' })).data.message;
	await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
	assert.equal(await page.locator('#login-error').textContent(), expected);
	assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY), null);
	assert.equal(await activeId(), 'token');
	assert.equal(await page.locator('#view').textContent(), '', 'nothing of the project is left on screen');
	await shot('08-signed-out');
	await page.getByLabel('Project API token').fill(TOKEN);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.getByRole('heading', { name: A.name, level: 1 }).waitFor();
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
	assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), TOKEN_KEY), null);
});

// The page's origins: the stack's, and the JWT node's below.
const origins = new Set([new URL(BASE).origin]);

step('a pasted JWT signs in on a token,jwt node and shows its subject; the static token shows “API token”', async () => {
	// An issuer of our own: a P-256 key in a JWKS file, an ES256 token signed with it.
	const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
	const jwks = join(STATE, 'browser-jwks.json');
	writeFileSync(jwks, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'browser-1', use: 'sig', alg: 'ES256' }] }));
	const b64 = (text) => Buffer.from(text).toString('base64url');
	const now = Math.floor(Date.now() / 1000);
	const claims = { iss: 'https://browser.test/', aud: 'https://panel.test/api', sub: 'auth0|browser-user', iat: now, exp: now + 600 };
	const input = `${b64(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: 'browser-1' }))}.${b64(JSON.stringify(claims))}`;
	const jwt = `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
	appendFileSync(join(STATE, 'secrets'), `${jwt}\n`); // tests/e2e/run checks no log has it

	const port = execFileSync('tests/e2e/node', ['start', 'browser-jwt', 'PROJECT_AUTH=token,jwt', `JWT_ISSUER=${claims.iss}`, `JWT_AUDIENCE=${claims.aud}`, `JWT_JWKS_FILE=${jwks}`], { cwd: ROOT, encoding: 'utf8' }).trim();
	const node = `http://127.0.0.1:${port}`;
	origins.add(node);
	try {
		await page.goto(`${node}/admin/`);
		await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
		await page.getByLabel('Project API token').fill(jwt);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await card(A.id).waitFor();
		assert.equal(await page.locator('#signed-in').textContent(), 'Signed in: auth0|browser-user');
		await shot('09-signed-in-with-a-jwt');
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.getByLabel('Project API token').fill(TOKEN);
		await page.getByRole('button', { name: 'Sign in' }).click();
		await card(A.id).waitFor();
		assert.equal(await page.locator('#signed-in').textContent(), 'Signed in: API token');
		await page.getByRole('button', { name: 'Sign out' }).click();
	} finally {
		execFileSync('tests/e2e/node', ['stop', 'browser-jwt'], { cwd: ROOT });
	}
});

step('no script errors or policy refusals, and nothing fetched from anywhere but the page’s origin', async () => {
	assert.deepEqual(pageErrors, []);
	assert.deepEqual(foreignRequests, []);
});

// --- Run. ----------------------------------------------------------------------------------

mkdirSync(OUT, { recursive: true });
for (const file of readdirSync(OUT)) if (file.endsWith('.png')) rmSync(join(OUT, file));
const profile = mkdtempSync(join(tmpdir(), 'panel-chromium-'));
const started = Date.now();
let failed = false;
try {
	context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		viewport: { width: 1280, height: 900 },
		locale: 'en-US',
		timezoneId: 'UTC',
	});
	console.log(`# chromium ${context.browser()?.version() ?? ''} started in ${Date.now() - started} ms`);
	context.setDefaultTimeout(15000);
	page = context.pages()[0] || (await context.newPage());
	page.on('pageerror', (e) => pageErrors.push(String(e)));
	// The 401s this test provokes are logged too; a refusal by the page's policy is a failure.
	page.on('console', (m) => /Content Security Policy|Refused to/i.test(m.text()) && pageErrors.push(m.text()));
	context.on('request', (request) => {
		const url = request.url();
		if (!url.startsWith('data:') && !origins.has(new URL(url).origin)) foreignRequests.push(url);
		if (request.method() === 'POST' && /\/projects\/\d+\/deployment$/.test(new URL(url).pathname))
			deployPosts.push({ key: request.headers()['idempotency-key'], body: request.postData() });
	});
	for (const [i, { name, fn }] of steps.entries()) {
		const t0 = Date.now();
		try {
			await fn();
			console.log(`ok ${i + 1} - ${name} (${Date.now() - t0} ms)`);
		} catch (e) {
			failed = true;
			console.log(`not ok ${i + 1} - ${name}`);
			console.error(e);
			if (page) await shot('failure').catch(() => {});
			break;
		}
	}
} catch (e) {
	failed = true;
	console.error(e);
} finally {
	if (context) await context.close().catch(() => {});
	rmSync(profile, { recursive: true, force: true });
}
console.log(`${failed ? 'FAILED' : 'passed'}: ${steps.length} steps in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in tests/output/browser/`);
process.exit(failed ? 1 : 0);
