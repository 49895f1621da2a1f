import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { newSite, readLog, removeSite, startServer, stopServer, type Running, type Site } from './helpers/child-server.js';

/** Whether a TCP connection to host:port is accepted (true) or refused (false). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

// Other addresses of this machine: connecting to them is delivered locally by the kernel, never sent on a wire.
const otherOwnAddresses = Object.values(os.networkInterfaces())
  .flat()
  .filter((i) => i && !i.internal && !i.address.startsWith('fe80'))
  .map((i) => i!.address);

let site: Site | null = null;
let running: Running | null = null;
afterEach(async () => {
  if (running) await stopServer(running);
  running = null;
  removeSite(site);
  site = null;
});

describe('the HOST setting (bind address)', () => {
  it('binds only the loopback address 127.0.0.1 when HOST=127.0.0.1', async () => {
    site = await newSite('host-loopback', { HOST: '127.0.0.1' });
    const umask = process.umask(0o022);
    try {
      running = await startServer(site);
    } finally {
      process.umask(umask);
    }
    expect(await accepts('127.0.0.1', site.port)).toBe(true);
    // 127.0.0.2 is loopback too, but not the address bound; ::1 and the machine's own interfaces are other sockets.
    expect(await accepts('127.0.0.2', site.port)).toBe(false);
    expect(await accepts('::1', site.port)).toBe(false);
    for (const address of otherOwnAddresses) expect(await accepts(address, site.port), address).toBe(false);
    const listening = readLog(site).find((line) => line.msg === 'Kiln is listening');
    expect(listening).toMatchObject({ host: '127.0.0.1', port: site.port });
    // The real start-up, under the usual 022 umask the child inherits: the database and its companions are owner-only.
    for (const file of ['kiln.db', 'kiln.db-wal', 'kiln.db-shm', 'secrets.json']) {
      expect((fs.statSync(path.join(site.dataDir, file)).mode & 0o777).toString(8), file).toBe('600');
    }
  }, 60_000);

  it('listens on every interface when HOST is unset', async () => {
    site = await newSite('host-all');
    running = await startServer(site);
    expect(await accepts('127.0.0.1', site.port)).toBe(true);
    expect(await accepts('127.0.0.2', site.port)).toBe(true);
    for (const address of otherOwnAddresses) expect(await accepts(address, site.port), address).toBe(true);
    expect(readLog(site).find((line) => line.msg === 'Kiln is listening')).toMatchObject({ host: 'all interfaces' });
  }, 60_000);
});
