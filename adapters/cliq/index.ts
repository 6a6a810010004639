export { CliqAdapter, defaultStagingDir, type CliqAdapterOptions } from './cliq-adapter.js';
export { CLIQ_WEBHOOK_PATH } from './webhook.js';
