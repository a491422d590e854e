// The project service's API, as the page uses it: the bearer token (sessionStorage: this tab,
// until sign-out or close), ETags (a 304 reuses the stored answer), Link and X-Total-Count, and
// errors in the API's words. No DOM here: a 401 is announced on `session`, and the page
// decides what to do about it (app.js signs out).

const TOKEN_KEY = 'panel.projectToken';

export const token = () => sessionStorage.getItem(TOKEN_KEY);
export const setToken = (value) => sessionStorage.setItem(TOKEN_KEY, value);

// Where 'unauthorized' (detail: the API's message) is dispatched when a request gets a 401.
export const session = new EventTarget();

export class ApiError extends Error {
	constructor(status, name, message) {
		super(message);
		this.status = status;
		this.name = name;
	}
}

export const isAbort = (e) => e && e.name === 'AbortError';

const stored = new Map(); // path -> the last 200 answer of a GET, with its ETag

// Forgets the token and every stored answer.
export function forget() {
	sessionStorage.removeItem(TOKEN_KEY);
	stored.clear();
}

function parseLink(header) {
	const links = {};
	for (const part of (header || '').split(/,(?=\s*<)/)) {
		const m = part.match(/^\s*<([^>]*)>(.*)$/);
		const rel = m && m[2].match(/;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i);
		if (!rel) continue;
		for (const name of (rel[1] ?? rel[2]).split(/\s+/)) if (name) links[name.toLowerCase()] = m[1];
	}
	return links;
}

// The page number a Link URL points at.
export function pageOf(link) {
	try {
		return new URL(link, location.origin).searchParams.get('page') || '1';
	} catch {
		return null;
	}
}

async function send(path, method, body, headers, signal) {
	try {
		// no-store: the answers are kept here, by ETag, not by the browser's cache.
		return await fetch(path, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			cache: 'no-store',
			credentials: 'omit',
			signal,
		});
	} catch (e) {
		if (isAbort(e)) throw e;
		throw new ApiError(0, 'NetworkError', 'could not reach the server; check the connection and try again');
	}
}

// Sends a request; resolves to {status, data, links, total, changed} or throws an ApiError.
export async function api(path, { method = 'GET', body, headers = {}, signal } = {}) {
	const sendHeaders = { Accept: 'application/json', Authorization: `Bearer ${token()}`, ...headers };
	const previous = method === 'GET' ? stored.get(path) : undefined;
	if (previous) sendHeaders['If-None-Match'] = previous.etag;
	if (body !== undefined) sendHeaders['Content-Type'] = 'application/json';
	const res = await send(path, method, body, sendHeaders, signal);
	if (res.status === 304 && previous) return { ...previous, changed: false };
	const text = await res.text();
	let data = null;
	try {
		data = text ? JSON.parse(text) : null;
	} catch {
		data = null;
	}
	if (!res.ok) {
		const message =
			data && typeof data.message === 'string' ? data.message : `the server answered ${res.status} ${res.statusText}`.trim();
		if (res.status === 401) session.dispatchEvent(new CustomEvent('unauthorized', { detail: message }));
		throw new ApiError(res.status, (data && data.name) || 'HTTPError', message);
	}
	const answer = {
		status: res.status,
		data,
		links: parseLink(res.headers.get('Link')),
		total: res.headers.has('X-Total-Count') ? Number(res.headers.get('X-Total-Count')) : null,
		changed: true,
	};
	const etag = res.headers.get('ETag');
	if (method === 'GET' && etag) stored.set(path, { ...answer, etag });
	return answer;
}
