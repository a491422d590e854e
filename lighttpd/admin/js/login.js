// The token prompt: signing in with the project API token or a JWT (tried on the API before it
// is kept), who is signed in, signing out, and coming back to the prompt when the API says the
// token no longer holds (a 401), then back to where the user was once signed in again.

import { $, announce, fill, showMessage } from './dom.js';
import { ApiError, api, forget, setToken, token } from './api.js';
import { stopView } from './view.js';

let returnTo = '';

// Who the token says is signed in, for display only (the server verified it): a JWT's sub, or
// "API token" for anything that is not a JWT with one.
export function signedInAs(value) {
	const parts = value.split('.');
	if (parts.length === 3) {
		try {
			const json = atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'));
			const sub = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))).sub;
			if (typeof sub === 'string' && sub) return sub;
		} catch {
			// not a JWT after all
		}
	}
	return 'API token';
}

export function showLogin(message) {
	stopView();
	fill($('#view'));
	$('#topnav').hidden = true;
	$('#login').hidden = false;
	document.title = 'Sign in · Hosting panel';
	showMessage($('#login-error'), message);
	const input = $('#token');
	input.setAttribute('aria-invalid', message ? 'true' : 'false');
	input.value = '';
	input.focus();
}

// A 401 anywhere lands here: the token is dropped and the prompt comes back with the API's words.
export function expired(message) {
	if (!$('#login').hidden && !token()) return;
	forget();
	if (message) returnTo = location.hash;
	showLogin(message);
}

function signOut() {
	returnTo = '';
	forget();
	announce('Signed out');
	showLogin('');
}

async function signIn(event, onSignedIn) {
	event.preventDefault();
	const input = $('#token');
	const button = event.target.querySelector('button');
	const value = input.value.trim();
	if (!value) {
		showMessage($('#login-error'), 'enter the project API token or an access token');
		input.setAttribute('aria-invalid', 'true');
		input.focus();
		return;
	}
	if (button.getAttribute('aria-disabled') === 'true') return;
	button.setAttribute('aria-disabled', 'true');
	setToken(value);
	try {
		// Any answer but 401 means the token passed the check (a 403 shows in the view).
		await api('/projects?page=1');
	} catch (e) {
		if (e instanceof ApiError && e.status === 401) return; // expired() has shown the prompt
	} finally {
		button.removeAttribute('aria-disabled');
	}
	input.value = '';
	showMessage($('#login-error'), '');
	const target = returnTo;
	returnTo = '';
	if (target && target !== location.hash) location.hash = target;
	else onSignedIn();
}

// Wires the prompt and the sign-out button; onSignedIn shows the page the URL names.
export function setupLogin(onSignedIn) {
	$('#sign-out').addEventListener('click', signOut);
	$('#login-form').addEventListener('submit', (event) => signIn(event, onSignedIn));
}
