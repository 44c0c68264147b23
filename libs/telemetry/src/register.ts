/**
 * Preload entry: `node --require @mesh/telemetry/register app.js` starts the OpenTelemetry SDK
 * before the app's first `require`, so http, express, undici, winston and pg are patched.
 */
import { startTelemetry } from './sdk';

startTelemetry();
