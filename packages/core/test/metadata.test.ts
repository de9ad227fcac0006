import { describe, expect, it } from 'vitest';
import { acceptedAudiences, canonicalResource, metadataLocations } from '../src/metadata.js';

describe('canonical resource and metadata locations', () => {
  it('normalises and checks the resource', () => {
    expect(canonicalResource('https://MCP.example.com/mcp/')).toBe('https://mcp.example.com/mcp');
    expect(canonicalResource('https://mcp.example.com/')).toBe('https://mcp.example.com');
    expect(canonicalResource('http://127.0.0.1:3000/mcp')).toBe('http://127.0.0.1:3000/mcp');
    expect(() => canonicalResource('https://h/mcp#x')).toThrow(TypeError);
    expect(() => canonicalResource('https://h/mcp?x=1')).toThrow(TypeError);
    expect(() => canonicalResource('/mcp')).toThrow(/resource must be an absolute URI/);
    expect(() => canonicalResource('ftp://h/mcp')).toThrow(TypeError);
  });

  it('serves the path form and the root form', () => {
    expect(metadataLocations('https://h/mcp')).toEqual({
      path: '/.well-known/oauth-protected-resource/mcp',
      rootPath: '/.well-known/oauth-protected-resource',
      url: 'https://h/.well-known/oauth-protected-resource/mcp',
    });
    expect(metadataLocations('https://h').path).toBe('/.well-known/oauth-protected-resource');
  });

  it('accepts the trailing-slash twin as audience', () => {
    expect(acceptedAudiences('https://h/mcp')).toEqual(['https://h/mcp', 'https://h/mcp/']);
    expect(acceptedAudiences('https://h')).toEqual(['https://h', 'https://h/']);
  });
});
