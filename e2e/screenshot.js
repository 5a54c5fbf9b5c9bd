// Saves a screenshot of the home page for the README: `node screenshot.js`.
import { startKabinet } from './lib/server.js';
import { launch } from './lib/browser.js';

const server = await startKabinet({ KABINET_DEMO: 'true' });
const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
const page = await context.newPage();
await page.goto(server.url + '/');
await page.screenshot({ path: new URL('../docs/img/home.png', import.meta.url).pathname });
await browser.close();
await server.stop();
