import { describe, expect, it } from 'vitest';
import { ConfigError, isLocalPublicUrl, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('takes HOST as an IP address or localhost, unset meaning all interfaces', () => {
    expect(loadConfig({}).host).toBeUndefined();
    expect(loadConfig({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '::' }).host).toBe('::');
    expect(loadConfig({ HOST: 'localhost' }).host).toBe('localhost');
    for (const bad of ['127.1', 'example.org', '0.0.0.0:80', '*']) {
      expect(() => loadConfig({ HOST: bad }), bad).toThrow(/HOST: must be an IP address/);
    }
  });

  it('accepts ALLOW_PRIVATE_NETWORKS and its older name VERIFY_ALLOW_PRIVATE_NETWORKS', () => {
    expect(loadConfig({}).allowPrivateNetworks).toBe(false);
    expect(loadConfig({ ALLOW_PRIVATE_NETWORKS: 'true' }).allowPrivateNetworks).toBe(true);
    expect(loadConfig({ VERIFY_ALLOW_PRIVATE_NETWORKS: '1' }).allowPrivateNetworks).toBe(true);
    expect(loadConfig({ ALLOW_PRIVATE_NETWORKS: 'true', VERIFY_ALLOW_PRIVATE_NETWORKS: 'true' }).allowPrivateNetworks).toBe(true);
    expect(() => loadConfig({ ALLOW_PRIVATE_NETWORKS: 'false', VERIFY_ALLOW_PRIVATE_NETWORKS: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ ALLOW_PRIVATE_NETWORKS: 'yes' })).toThrow(/ALLOW_PRIVATE_NETWORKS/);
  });

  it('warns about a PUBLIC_URL that verifiers elsewhere cannot reach', () => {
    for (const url of ['http://localhost:3000', 'http://kiln.localhost', 'http://127.0.0.1:3000', 'http://10.1.2.3', 'http://100.64.0.9', 'http://192.0.2.4', 'http://[::1]:3000', 'http://[fd00::2]']) {
      expect(isLocalPublicUrl(url), url).toBe(true);
    }
    for (const url of ['https://badges.example.org', 'https://93.184.215.14', 'https://[2606:4700::1111]/kiln']) expect(isLocalPublicUrl(url), url).toBe(false);
  });
});
