import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDemographics, type Demographics } from '../factories/demographics.js';
import { artifactPath, browserSkipReason, launchChromium } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * The steward console in real headless Chromium (Debian's, never a downloaded browser)
 * against the real service on PostgreSQL: sign-in, the queue with its explanation, decisions
 * by keyboard and by click, merge and undo in the person view, and a token without the
 * steward scope. Every change is checked through the REST API, not the page.
 */

/** Pairs that land in the review band: same family name, birth date and sex, another given name, nothing else. */
const PAIRS: Array<[Demographics, Demographics]> = [
  [
    { name: [{ family: 'Whitaker', given: ['Jonathon'] }], birthDate: '1984-03-07', sex: 'male' },
    { name: [{ family: 'Whitaker', given: ['Marcus'] }], birthDate: '1984-03-07', sex: 'male' },
  ],
  [
    { name: [{ family: 'Castillo', given: ['Maria'] }], birthDate: '1971-11-22', sex: 'female' },
    { name: [{ family: 'Castillo', given: ['Beatriz'] }], birthDate: '1971-11-22', sex: 'female' },
  ],
];

const skipReason = browserSkipReason();
if (skipReason) console.warn(skipReason);

describe('the steward console at /console', () => {
  let t: TestApp;
  let base: string;
  let feedA: string;
  let feedB: string;
  let steward: { clientId: string; clientSecret: string; token: string };
  let query: { clientId: string; clientSecret: string; token: string };

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => t?.close());
  beforeEach(async () => {
    await t.reset();
    await t.createOrganization('mercy', 'urn:oid:2.16.840.1.113883.3.2001', 'Mercy Hospital');
    await t.createOrganization('valley', 'urn:oid:2.16.840.1.113883.3.2002', 'Valley Clinic');
    feedA = (await t.clientToken(['feed'], 'mercy')).token;
    feedB = (await t.clientToken(['feed'], 'valley')).token;
    steward = await t.clientToken(['steward']);
    query = await t.clientToken(['query'], 'mercy');
  });

  const feed = async (org: 'mercy' | 'valley', localId: string, body: Demographics) =>
    (await t.http().put(`/api/v1/organizations/${org}/records/${localId}`).auth(org === 'mercy' ? feedA : feedB, { type: 'bearer' }).send(body).expect(201)).body as {
      recordId: string;
      personId: string;
      decision: { outcome: string; reviewTaskIds: string[] };
    };
  const api = async (path: string, token = steward.token) => (await t.http().get(path).auth(token, { type: 'bearer' }).expect(200)).body;

  describe('serving', () => {
    it('serves the page and its bundle without a token, under a strict Content-Security-Policy, and nothing else', async () => {
      const page = await t.http().get('/console').expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      const csp = page.headers['content-security-policy'];
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(page.headers['x-content-type-options']).toBe('nosniff');
      // The page loads only its own bundle: no CDN, no inline script.
      expect(page.text).toContain('src="/console/app.js"');
      expect(page.text).not.toMatch(/https?:\/\//);
      expect(page.text).not.toMatch(/<script>(?!<)/);
      const js = await t.http().get('/console/app.js').expect(200);
      expect(js.headers['content-type']).toMatch(/^text\/javascript/);
      expect(js.headers['content-security-policy']).toContain("script-src 'self'");
      await t.http().get('/console/app.css').expect(200).expect('content-type', /^text\/css/);
      const missing = await t.http().get('/console/secrets.json').expect(404);
      expect(missing.body).toMatchObject({ statusCode: 404, code: 'CONSOLE_ASSET_NOT_FOUND', requestId: expect.any(String) });
      await t.http().get('/console/..%2Fpackage.json').expect(404);
    });
  });

  describe.skipIf(skipReason !== null)('in headless Chromium', () => {
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    const consoleErrors: string[] = [];

    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => browser?.close());
    beforeEach(async () => {
      context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
      consoleErrors.length = 0;
      // A CSP violation or a script error shows up here.
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => consoleErrors.push(e.message));
      page.on('response', (r) => {
        if (r.status() >= 400) consoleErrors.push(`${r.status()} ${new URL(r.url()).pathname}`);
      });
    });
    afterEach(async () => context?.close());

    async function signInWithCredentials(clientId: string, clientSecret: string): Promise<void> {
      await page.goto(`${base}/console`);
      await page.getByLabel('Client id', { exact: true }).fill(clientId);
      await page.getByLabel('Client secret', { exact: true }).fill(clientSecret);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    async function signInWithToken(token: string): Promise<void> {
      await page.goto(`${base}/console`);
      await page.getByLabel('Access token', { exact: true }).fill(token);
      await page.getByRole('button', { name: 'Use token' }).click();
    }

    /** Every form control has a label; every button and link has a name. */
    /** Signed in: the queue is shown (after sign-in the console opens the queue). */
    async function signedIn(): Promise<void> {
      await expect.poll(() => page.locator('#queue-count').textContent()).toMatch(/open task/);
      expect(await page.locator('#nav').isVisible()).toBe(true);
    }

    async function accessibilityProblems(): Promise<string[]> {
      return page.evaluate(`(() => {
        const problems = [];
        for (const el of document.querySelectorAll('input, select, textarea')) {
          if (el.type === 'hidden') continue;
          const labelled = (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
          if (!labelled) problems.push('unlabelled ' + el.tagName.toLowerCase() + '#' + el.id);
        }
        for (const el of document.querySelectorAll('button, a[href]')) {
          const name = (el.getAttribute('aria-label') || el.textContent || '').trim();
          if (!name) problems.push('nameless ' + el.tagName.toLowerCase());
        }
        if (document.querySelectorAll('[onclick], div[role=button]').length) problems.push('clickable non-buttons');
        const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
        const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
        if (dup.length) problems.push('duplicate ids ' + dup.join(','));
        return problems;
      })()`);
    }

    it('shows the queue with a readable explanation and chart; "same person" by keyboard and "different people" by click change persons, history and the locator at once', async () => {
      const tasks: Array<{ a: { recordId: string; personId: string }; b: { recordId: string; personId: string }; taskId: string }> = [];
      for (const [i, [a, b]] of PAIRS.entries()) {
        const ra = await feed('mercy', `M-${i + 1}`, a);
        const rb = await feed('valley', `V-${i + 1}`, b);
        expect(rb.decision.outcome).toBe('review');
        tasks.push({ a: ra, b: rb, taskId: rb.decision.reviewTaskIds[0] });
      }

      await signInWithCredentials(steward.clientId, steward.clientSecret);
      const items = page.locator('#task-list button.task-item');
      await expect.poll(() => items.count()).toBe(2);
      await expect.poll(() => page.locator('#queue-count').textContent()).toBe('2 open tasks');
      // The token lives in sessionStorage only.
      expect(await page.evaluate('Object.keys(localStorage).length')).toBe(0);
      expect(await page.evaluate('Object.keys(sessionStorage)')).toEqual(['mpi.console.session']);
      expect((await context.cookies()).length).toBe(0);

      // The selected task: both sides, the readable explanation, the waterfall and the table.
      const firstId = (await items.first().getAttribute('data-task-id'))!;
      expect(await items.first().getAttribute('aria-current')).toBe('true');
      const first = (await api(`/api/v1/review-tasks/${firstId}`)) as { grade: string; probability: number; record: { localId: string }; candidate: { localId: string } };
      const explanation = (await page.locator('#task-explanation').textContent())!;
      expect(explanation).toMatch(new RegExp(`^${first.grade[0].toUpperCase()}${first.grade.slice(1)} match, probability \\d+(\\.\\d)?%`));
      expect(explanation).toMatch(/ For: .*family name same \(\+\d+\.\d\).* Against: /);
      expect(explanation).toMatch(/ For: .*birth date same \(\+\d+\.\d\).* Against: /);
      expect(explanation).toMatch(/Against: given name/);
      const sideBySide = (await page.locator('table.side-by-side').textContent())!;
      expect(sideBySide).toContain(first.record.localId);
      expect(sideBySide).toContain(first.candidate.localId);
      await expect.poll(() => page.locator('figure.chart svg .bar-positive rect').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator('figure.chart svg .bar-negative rect').count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('figure.chart svg .bar-prior rect').count()).toBe(1);
      expect(await page.locator('figure.chart svg .bar-total rect').count()).toBe(1);
      expect(await page.locator('figure.chart svg').getAttribute('role')).toBe('img');
      expect(await page.locator('table.contributions tbody tr').count()).toBeGreaterThan(5);
      // Shortcuts are shown on the page and on the buttons.
      expect(await page.locator('#shortcuts').textContent()).toMatch(/s\s*same person.*d\s*different people.*j\s*next task.*k\s*previous task.*\/\s*search/s);
      expect(await page.locator('#decide-same').getAttribute('aria-keyshortcuts')).toBe('s');
      expect(await accessibilityProblems()).toEqual([]);
      await page.screenshot({ path: artifactPath('console-queue.png'), fullPage: true });

      // j / k move through the queue and focus the task.
      await page.keyboard.press('j');
      await expect.poll(() => page.evaluate('document.activeElement?.dataset?.taskId')).toBe(await items.nth(1).getAttribute('data-task-id'));
      await page.keyboard.press('k');
      await expect.poll(() => page.evaluate('document.activeElement?.dataset?.taskId')).toBe(firstId);

      // "s": same person. The task leaves the queue, focus goes to the next task.
      const same = tasks.find((x) => x.taskId === firstId)!;
      const other = tasks.find((x) => x.taskId !== firstId)!;
      await page.keyboard.press('s');
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Task resolved\. Same person: record /);
      await expect.poll(() => items.count()).toBe(1);
      await expect.poll(() => page.evaluate('document.activeElement?.dataset?.taskId')).toBe(other.taskId);
      expect(await page.locator('#queue-count').textContent()).toBe('1 open task');

      const resolved = await api(`/api/v1/review-tasks/${same.taskId}`);
      expect(resolved).toMatchObject({ status: 'resolved', resolution: { decision: 'same-person', resolvedBy: steward.clientId } });
      const linkedTo = resolved.candidate.personId as string;
      const person = await api(`/api/v1/persons/${linkedTo}`);
      expect(person.records.map((r: { recordId: string }) => r.recordId).sort()).toEqual([same.a.recordId, same.b.recordId].sort());
      const history = await api(`/api/v1/persons/${linkedTo}/history`);
      expect(history.events[0]).toMatchObject({ recordId: same.b.recordId, personId: linkedTo, actor: steward.clientId });
      const located = await api(`/api/v1/persons/${linkedTo}/record-locations`, query.token);
      expect(located.locations.map((l: { organization: { id: string } }) => l.organization.id).sort()).toEqual(['mercy', 'valley']);

      // "Different people" by click on the next task: both keep their own person.
      await page.getByRole('button', { name: /^Different people/ }).click();
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Task resolved\. Different people: /);
      await expect.poll(() => page.locator('#task-list').textContent()).toContain('No open tasks');
      expect(await page.locator('#queue-count').textContent()).toBe('0 open tasks');
      expect(await api(`/api/v1/review-tasks/${other.taskId}`)).toMatchObject({ status: 'resolved', resolution: { decision: 'different-people' } });
      const pa = await api(`/api/v1/persons/${other.a.personId}`);
      const pb = await api(`/api/v1/persons/${other.b.personId}`);
      expect(pa.records.map((r: { recordId: string }) => r.recordId)).toEqual([other.a.recordId]);
      expect(pb.records.map((r: { recordId: string }) => r.recordId)).toEqual([other.b.recordId]);
      expect((await api('/api/v1/review-tasks?status=open')).total).toBe(0);
      // The resolved list shows both decisions.
      await page.getByLabel('Status', { exact: true }).selectOption('resolved');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expect.poll(() => items.count()).toBe(2);
      await page.screenshot({ path: artifactPath('console-resolved.png'), fullPage: true });
      expect(consoleErrors).toEqual([]);
    });

    it('merges two persons in the person view and undoes the merge: the API answers as before', async () => {
      const keep = await feed('mercy', 'M-10', buildDemographics({}, 2));
      const gone = await feed('valley', 'V-10', buildDemographics({}, 3));
      expect(gone.personId).not.toBe(keep.personId);
      const snapshot = async () => ({
        keep: await api(`/api/v1/persons/${keep.personId}`),
        gone: await api(`/api/v1/persons/${gone.personId}`),
        keepLocations: await api(`/api/v1/persons/${keep.personId}/record-locations`, query.token),
        goneLocations: await api(`/api/v1/persons/${gone.personId}/record-locations`, query.token),
      });
      const before = await snapshot();

      await signInWithToken(steward.token);
      await signedIn();
      expect(await page.locator('#queue-count').textContent()).toBe('0 open tasks');
      // Search by person id ("/" focuses the search box) opens the person view.
      await page.keyboard.press('/');
      await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('quick-search-input');
      await page.keyboard.type(keep.personId);
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#person-title').textContent()).toContain(keep.personId);
      expect(await page.locator('table.records tbody tr').count()).toBe(1);

      await page.getByLabel('Person id to merge in', { exact: true }).fill(gone.personId);
      await page.getByRole('button', { name: 'Merge into this person' }).click();
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/merged into this person: 1 record moved/);
      await expect.poll(() => page.locator('table.records tbody tr').count()).toBe(2);
      // Focus lands on the new merge's "Undo merge" button.
      await expect.poll(() => page.evaluate('document.activeElement?.textContent')).toBe('Undo merge');
      expect(await accessibilityProblems()).toEqual([]);
      await page.screenshot({ path: artifactPath('console-person-merged.png'), fullPage: true });

      const merged = await api(`/api/v1/persons/${keep.personId}`);
      expect(merged.records.map((r: { recordId: string }) => r.recordId).sort()).toEqual([keep.recordId, gone.recordId].sort());
      expect((await api(`/api/v1/persons/${keep.personId}/record-locations`, query.token)).locations).toHaveLength(2);
      await t.http().get(`/api/v1/persons/${gone.personId}`).auth(query.token, { type: 'bearer' }).expect(404);
      const merges = await api(`/api/v1/merges?personId=${keep.personId}`);
      expect(merges.items).toMatchObject([{ personId: keep.personId, mergedPersonId: gone.personId, status: 'active' }]);
      expect((await api(`/api/v1/persons/${keep.personId}/history`)).events.map((e: { event: string }) => e.event)).toContain('merge');

      await page.getByRole('button', { name: `Undo merge of person ${gone.personId}` }).click();
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Merge undone: person .* restored with 1 record/);
      await expect.poll(() => page.locator('table.records tbody tr').count()).toBe(1);
      expect(await page.locator('table.merges').textContent()).toContain('undone');
      expect(await page.getByRole('button', { name: /^Undo merge/ }).count()).toBe(0);

      const after = await snapshot();
      expect(after).toEqual(before);
      expect((await api(`/api/v1/merges?personId=${keep.personId}`)).items).toMatchObject([{ mergeId: merges.items[0].mergeId, status: 'undone' }]);
      await page.screenshot({ path: artifactPath('console-person-unmerged.png'), fullPage: true });
      expect(consoleErrors).toEqual([]);
    });

    it('moves a record into a person and unlinks it again from the person view', async () => {
      const keep = await feed('mercy', 'M-20', buildDemographics({}, 4));
      const other = await feed('valley', 'V-20', buildDemographics({}, 5));
      await signInWithToken(steward.token);
      await signedIn();
      await page.goto(`${base}/console#/person/${keep.personId}`);
      await page.getByLabel('Record id', { exact: true }).fill(other.recordId);
      await page.getByRole('button', { name: 'Move record here' }).click();
      await expect.poll(() => page.locator('table.records tbody tr').count()).toBe(2);
      expect((await api(`/api/v1/persons/${keep.personId}`)).records).toHaveLength(2);

      await page.getByRole('button', { name: 'Unlink record valley/V-20 from this person' }).click();
      await expect.poll(() => page.locator('#status').textContent()).toMatch(/^Record valley\/V-20 unlinked: it is now person /);
      await expect.poll(() => page.locator('table.records tbody tr').count()).toBe(1);
      const now = await api(`/api/v1/persons/${keep.personId}`);
      expect(now.records.map((r: { recordId: string }) => r.recordId)).toEqual([keep.recordId]);
      const events = (await api(`/api/v1/persons/${keep.personId}/history`)).events.map((e: { event: string }) => e.event);
      expect(events).toEqual(expect.arrayContaining(['manual-link', 'manual-unlink']));
      expect(await page.locator('ol.timeline').textContent()).toContain('manual-unlink');
      expect(consoleErrors).toEqual([]);
    });

    it('finds persons by name and birth date through the match API', async () => {
      const p = await feed('mercy', 'M-30', buildDemographics({}, 0));
      await signInWithToken(steward.token);
      await signedIn();
      await page.locator('#quick-search-input').fill('Whitaker, Jonathon 1984-03-07');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#results-title').textContent()).toBe('1 candidate');
      const row = page.locator('table.candidates tbody tr');
      expect(await row.textContent()).toContain('Jonathon Ray Whitaker');
      await row.getByRole('link').click();
      await expect.poll(() => page.locator('#person-title').textContent()).toContain(p.personId);
    });

    it('shows a token without the steward scope an error and no data', async () => {
      await feed('mercy', 'M-1', PAIRS[0][0]);
      await feed('valley', 'V-1', PAIRS[0][1]);

      // A query client's token, pasted: refused, nothing kept, nothing shown.
      await signInWithToken(query.token);
      await expect.poll(() => page.locator('#alert').textContent()).toMatch(/does not carry the steward scope \(403\)/);
      expect(await page.locator('#task-list').count()).toBe(0);
      expect(await page.locator('#nav').isHidden()).toBe(true);
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
      expect(await page.locator('main').textContent()).not.toContain('Whitaker');

      // The same client's credentials: the token endpoint refuses the steward scope.
      await page.getByLabel('Client id', { exact: true }).fill(query.clientId);
      await page.getByLabel('Client secret', { exact: true }).fill(query.clientSecret);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.locator('#alert').textContent()).toMatch(/not allowed the steward scope/);
      expect(await page.evaluate('sessionStorage.length')).toBe(0);

      // A wrong secret.
      await page.getByLabel('Client id', { exact: true }).fill(steward.clientId);
      await page.getByLabel('Client secret', { exact: true }).fill('not-the-secret-0000');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.locator('#alert').textContent()).toMatch(/Unknown client or wrong secret/);

      // A deep link without a session shows the sign-in form, not data.
      await page.goto(`${base}/console#/queue`);
      await expect.poll(() => page.locator('#login-title').count()).toBe(1);
      expect(await page.locator('#task-list').count()).toBe(0);
      expect(await accessibilityProblems()).toEqual([]);
      await page.screenshot({ path: artifactPath('console-forbidden.png'), fullPage: true });
    });

    it('returns to the sign-in form when the token is refused mid-session', async () => {
      await signInWithToken(steward.token);
      await signedIn();
      expect(await page.locator('#queue-count').textContent()).toBe('0 open tasks');
      // The stored token stops being accepted (expired or revoked): the next call answers 401.
      await page.evaluate(`sessionStorage.setItem('mpi.console.session', JSON.stringify({ token: 'x.y.z', who: 'steward', expiresAt: null }))`);
      await page.getByRole('link', { name: 'Search' }).click();
      await page.locator('#quick-search-input').fill('Whitaker');
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator('#login-title').count()).toBe(1);
      expect(await page.locator('main').textContent()).toContain('Your session ended');
      expect(await page.evaluate('sessionStorage.length')).toBe(0);
    });
  });
});
