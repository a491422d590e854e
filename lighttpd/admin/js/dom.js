// Building the page from data: elements and text nodes, never HTML strings, and the few
// formats the views share (times, durations, numbers). No API calls and no view state here.

export function h(tag, props, ...children) {
	const el = document.createElement(tag);
	for (const [key, value] of Object.entries(props || {})) {
		if (value === null || value === undefined || value === false) continue;
		if (key === 'class') el.className = value;
		else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
		else el.setAttribute(key, value === true ? '' : String(value));
	}
	add(el, children);
	return el;
}

export function add(el, children) {
	for (const child of children.flat(Infinity)) {
		if (child === null || child === undefined || child === false) continue;
		el.append(child instanceof Node ? child : String(child)); // strings become text nodes
	}
	return el;
}

export function fill(el, ...children) {
	el.replaceChildren();
	return add(el, children);
}

export const $ = (selector) => document.querySelector(selector);
export const hiddenText = (text) => h('span', { class: 'visually-hidden' }, text);

export function showMessage(el, text) {
	el.textContent = text;
	el.hidden = !text;
}

// Only http(s) URLs become links (as the API wrote them); anything else stays text.
export function httpUrl(text) {
	try {
		const url = new URL(text);
		return url.protocol === 'https:' || url.protocol === 'http:' ? text : null;
	} catch {
		return null;
	}
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
export function timeEl(iso) {
	const date = new Date(iso);
	return h('time', { datetime: iso, title: iso }, Number.isNaN(date.getTime()) ? iso : dateFormat.format(date));
}

export function duration(seconds) {
	if (seconds < 60) return `${seconds} s`;
	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) return seconds % 60 ? `${minutes} min ${seconds % 60} s` : `${minutes} min`;
	return minutes % 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes / 60} h`;
}

export const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

// A version 4 UUID from getRandomValues: crypto.randomUUID needs a secure context, and the
// page may be served over plain HTTP to another host.
export function uuid() {
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

let announceTimer = 0;
// Says text in the live region: updates that happen without the user asking (polling).
export function announce(text) {
	const el = $('#announcer');
	el.textContent = '';
	clearTimeout(announceTimer);
	// A fresh text node after a tick, so the same words twice are announced twice.
	announceTimer = setTimeout(() => (el.textContent = text), 50);
}
