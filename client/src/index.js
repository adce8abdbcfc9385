// ES-module entry point: named exports bound to one shared SDK instance.
import { createClient } from "./client.js";

const client = createClient();

export const {
  init,
  track,
  trackEvent,
  identify,
  page,
  register,
  unregister,
  reset,
  optOut,
  optIn,
  flush,
  on,
  status,
  shutdown,
} = client;
export { createClient };
export default client;
