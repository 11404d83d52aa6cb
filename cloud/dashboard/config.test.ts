import { describe, expect, it } from 'vitest';
import { cloudConfig } from '../core.js';
import { contentSecurityPolicy } from './index.js';

describe('cloud.dashboard', () => {
  it('has no tile source by default: the page loads images from its own origin only', () => {
    expect(cloudConfig({}).dashboard).toEqual({});
    expect(contentSecurityPolicy()).toContain("img-src 'self' data:;");
  });

  it('takes a raster tile source, and the page may load images from that server (every subdomain for {s})', () => {
    const tiles = {
      url: 'https://{s}.tiles.example.vn/{z}/{x}/{y}.png',
      attribution: '© Sở TN&MT Cà Mau',
    };
    expect(cloudConfig({ dashboard: { tiles } }).dashboard.tiles).toEqual({
      ...tiles,
      name: 'Tiles',
      maxZoom: 18,
    });
    expect(contentSecurityPolicy({ ...tiles, name: 'Tiles', maxZoom: 18 })).toContain(
      "img-src 'self' data: https://*.tiles.example.vn;",
    );
  });

  it('refuses a tile URL without {z}/{x}/{y}', () => {
    expect(() =>
      cloudConfig({ dashboard: { tiles: { url: 'https://tiles.example.vn/', attribution: 'x' } } }),
    ).toThrow(/dashboard\/tiles\/url/);
  });
});
