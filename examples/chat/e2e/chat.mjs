// End-to-end: two headless Chromium pages chat through the example (the real backend, the real
// Switchyard server, the esbuild bundle of the page). Alice and Bob log in, see each other join
// and the user count, Bob's typing shows up for Alice, messages go both ways, Bob leaves and Alice
// is told. Saves a screenshot of Alice's page (docs/images/chat.png shows one).
//
// Needs the example built (`npx turbo run build --filter=@switchyard/example-chat...`) and
// Chromium at /usr/bin/chromium (Debian: `apt-get install -y chromium`), or at CHROMIUM_PATH.
//
//   npm run test:browser -w @switchyard/example-chat [-- --screenshot docs/images/chat.png]
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startChat } from '../dist/server.js';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const at = process.argv.indexOf('--screenshot');
const screenshot = at > 0 ? process.argv[at + 1] : join(tmpdir(), 'switchyard-chat.png');

function ok(what) {
  console.log(`ok - ${what}`);
}

async function login(browser, url, name) {
  const page = await browser.newPage({ viewport: { width: 560, height: 360 } });
  page.on('pageerror', (error) => console.error(`${name}'s page: ${error.message}`));
  await page.goto(url);
  await page.fill('#name', name);
  await page.click('#login button');
  await page.waitForSelector(`#status:has-text("connected as ${name}")`);
  await page.waitForSelector('#login', { state: 'hidden' });
  return page;
}

async function say(page, text) {
  await page.fill('#text', text);
  await page.click('#send button');
}

const line = (page, text) => page.waitForSelector(`#messages li:text-is("${text}")`, { timeout: 10_000 });

const chat = await startChat(0);
const browser = existsSync(executablePath)
  ? await chromium.launch({
      executablePath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    })
  : undefined;
try {
  if (browser === undefined) throw new Error(`no Chromium at ${executablePath} (apt-get install -y chromium)`);
  const alice = await login(browser, chat.url, 'alice');
  await alice.waitForSelector('#count:text-is("1 user")');
  ok('alice joins and is alone (1 user)');

  const bob = await login(browser, chat.url, 'bob');
  await line(alice, 'bob joined');
  await alice.waitForSelector('#count:text-is("2 users")');
  await bob.waitForSelector('#count:text-is("2 users")');
  ok('alice sees "bob joined"; both count 2 users');

  await bob.type('#text', 'hel');
  await alice.waitForSelector('#typing:text-is("bob is typing…")');
  ok('bob typing shows "bob is typing…" to alice');
  await bob.fill('#text', '');

  await say(bob, 'hi alice, this is Switchyard');
  await line(alice, 'bob: hi alice, this is Switchyard');
  await line(bob, 'bob: hi alice, this is Switchyard');
  await say(alice, 'hello bob! typed contract, no event-name typos');
  await line(bob, 'alice: hello bob! typed contract, no event-name typos');
  ok('messages go both ways, stamped with the user name from the token');

  await bob.type('#text', 'bye');
  await alice.waitForSelector('#typing:text-is("bob is typing…")');
  await alice.screenshot({ path: screenshot });
  ok(`screenshot of alice's page: ${screenshot}`);

  await bob.close();
  await line(alice, 'bob left');
  await alice.waitForSelector('#count:text-is("1 user")');
  ok('bob closes his page: alice sees "bob left" and 1 user');
} catch (error) {
  console.error(`not ok - ${error.message}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  await chat.close();
}
