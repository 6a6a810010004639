/** Local emulators of the WhatsApp Cloud API and Slack, for end-to-end tests and the sandbox. */
export * from './whatsapp-emulator.js';
export * from './slack-emulator.js';
