export { startTestServer, testTransport, type TestServer, type TestServerOptions } from './test-server.js';
