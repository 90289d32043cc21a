import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { OriginPolicy } from './origin.js';

describe('OriginPolicy', () => {
  it('allows everything when no list is configured, without warnings', () => {
    const p = new OriginPolicy();
    expect(p.allows('https://evil.example')).toBe(true);
    expect(p.warnings()).toEqual([]);
  });

  it('matches exactly: scheme, host and port', () => {
    const p = new OriginPolicy(['https://app.example.com', 'http://localhost:3000/']);
    expect(p.allows('https://app.example.com')).toBe(true);
    expect(p.allows('HTTPS://APP.EXAMPLE.COM')).toBe(true);
    expect(p.allows('http://localhost:3000')).toBe(true);
    expect(p.allows('http://app.example.com')).toBe(false);
    expect(p.allows('https://app.example.com:8443')).toBe(false);
    expect(p.allows('https://evil-app.example.com')).toBe(false);
    expect(p.allows('https://app.example.com.evil.net')).toBe(false);
    expect(p.allows('http://localhost:30000')).toBe(false);
    expect(p.warnings()).toEqual([]);
  });

  it('refuses the null origin unless listed', () => {
    expect(new OriginPolicy(['https://a.example']).allows('null')).toBe(false);
    expect(new OriginPolicy(['null']).allows('null')).toBe(true);
  });

  it('allows a request without Origin (non-browser client)', () => {
    const p = new OriginPolicy(['https://a.example']);
    expect(p.allows(undefined)).toBe(true);
    expect(p.allows('')).toBe(true);
  });

  it('* allows all and warns loudly', () => {
    const p = new OriginPolicy(['https://a.example', '*']);
    expect(p.allows('https://evil.example')).toBe(true);
    expect(p.warnings()).toHaveLength(1);
    expect(p.warnings()[0]).toMatch(/ANY web page/);
  });

  it('rejects empty entries', () => {
    expect(() => new OriginPolicy([' '])).toThrow(ConfigError);
  });
});
