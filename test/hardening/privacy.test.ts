import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { findIn, fullRun, type FullRun } from './helpers/full-run.js';
import { newSite, removeSite, reportFigure, seed, startServer, stopServer, type Running, type Site } from '../helpers/child-server.js';

/*
 * The recipient's plain email, in any letter case or URL-encoded, must appear in no public document, page, image,
 * URL or info log line, across one run of every way to award and every way to look at an award.
 */
describe('privacy across a full run', () => {
  let site: Site;
  let smtp: TestSmtp;
  let running: Running;
  let run: FullRun;
  let log = '';

  beforeAll(async () => {
    smtp = await startSmtp();
    site = await newSite('privacy', { SMTP_URL: smtp.url });
    const seeded = await seed(site);
    running = await startServer(site);
    run = await fullRun(site, seeded, smtp);
    await stopServer(running);
    log = fs.readFileSync(site.logFile, 'utf8');
  }, 300_000);

  afterAll(async () => {
    if (running) await stopServer(running, 'SIGKILL');
    await smtp?.close();
    removeSite(site);
  });

  it('finds no recipient email in any public response body, header or URL, email link or attachment, or the info log', () => {
    // Latin-1 keeps every byte of a PNG as one character, so a baked chunk's text is searched as it is.
    const places: Array<[string, string]> = [
      ...run.publicResponses.flatMap((r): Array<[string, string]> => [
        [`body of ${r.url}`, r.body.toString('latin1')],
        [`headers of ${r.url}`, JSON.stringify(r.headers)],
      ]),
      ...run.urls.map((u): [string, string] => [`URL ${u}`, u]),
      ...run.mails.flatMap((m) => m.attachments.map((a): [string, string] => [`attachment ${a.filename} to a learner`, a.content.toString('latin1')])),
      ['info log', log],
    ];
    const leaks = run.recipients.flatMap((email) => places.filter(([, text]) => findIn(text, email)).map(([where]) => `${email} in ${where}`));
    const baked = run.publicResponses.filter((r) => /baked\.(png|svg)$/.test(r.url) && r.status === 200).length;
    const credentials = run.publicResponses.filter((r) => /\/credentials\/[^/]+$/.test(r.url) && r.status === 200).length;
    reportFigure('privacy', {
      recipients: run.recipients.length,
      awards: run.counts.awards,
      publicResponsesSearched: run.publicResponses.length,
      bakedImagesSearched: baked,
      credentialsSearched: credentials,
      urlsSearched: run.urls.length,
      emailAttachmentsSearched: run.mails.reduce((n, m) => n + m.attachments.length, 0),
      logLines: log.split('\n').length - 1,
      leaks: leaks.length,
    });
    expect(run.publicResponses.filter((r) => r.status >= 500)).toEqual([]);
    expect(baked).toBeGreaterThan(10);
    expect(credentials).toBeGreaterThan(5);
    // The search itself finds an address where it belongs: the learner's own envelope.
    expect(run.mails.some((m) => findIn(m.to.join(' '), run.recipients[1]!))).toBe(true);
    expect(leaks).toEqual([]);
  });

  it('tells someone who checks an address against a badge only the verdict, not the address back in a public document', () => {
    const [answer] = run.verifierAnswersWithEmail;
    expect(answer!.status).toBe(200);
    const report = JSON.parse(answer!.body.toString('utf8')) as { verdict: string; checks: Array<{ id: string; outcome: string }> };
    expect(report.verdict).toBe('valid');
    expect(report.checks.find((c) => c.id === 'recipient')?.outcome).toBe('pass');
  });
});
