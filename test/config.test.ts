import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('takes HOST as an IP address or localhost, unset meaning all interfaces', () => {
    expect(loadConfig({}).host).toBeUndefined();
    expect(loadConfig({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '::' }).host).toBe('::');
    expect(loadConfig({ HOST: 'localhost' }).host).toBe('localhost');
    for (const bad of ['127.1', 'example.org', '0.0.0.0:80', '*']) {
      expect(() => loadConfig({ HOST: bad }), bad).toThrow(/HOST/);
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
});
