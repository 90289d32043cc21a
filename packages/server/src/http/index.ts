export { ApiKeyCheck, bearer } from './api-key.js';
export { tooLarge } from './body.js';
export type { ApiPublishOptions, HttpApiFacade, RoomSummary } from './facade.js';
export { HttpApiError } from './http-error.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  HttpApi,
  type ApiLog,
  type ApiRequestHead,
  type ApiResponse,
  type HttpApiSettings,
} from './http-api.js';
export { API_PREFIX, matchRoute, type ApiRoute } from './routes.js';
export { createTransportApi } from './transport-adapter.js';
