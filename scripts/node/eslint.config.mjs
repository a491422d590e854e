// ESLint's rules for the JavaScript of the repository: the admin page (lighttpd/admin, browser
// ES modules served as they are) and its browser test (tests/browser, Node, with callbacks
// that run in the page). Here, beside the pinned packages it imports; scripts/lint-js runs it
// from the repository root, which the file patterns are relative to.
import js from '@eslint/js';
import globals from 'globals';

export default [
	js.configs.recommended,
	{
		files: ['lighttpd/admin/**/*.js'],
		languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.browser },
	},
	{
		files: ['tests/browser/**/*.mjs'],
		languageOptions: {
			ecmaVersion: 2022,
			sourceType: 'module',
			globals: { ...globals.node, ...globals.browser },
		},
	},
	{
		rules: {
			eqeqeq: 'error',
			'no-var': 'error',
			'prefer-const': 'error',
			'no-unused-vars': ['error', { caughtErrors: 'none' }],
		},
	},
];
