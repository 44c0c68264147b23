import { describe, expect, it } from 'vitest';
import { kqlToQueryString } from './kql';

describe('kqlToQueryString', () => {
  it('translates a phrase match on one field', () => {
    expect(kqlToQueryString('log.level : "error"')).toEqual({
      queryString: 'log.level:"error"',
      fields: ['log.level'],
    });
  });

  it('translates ranges and and/or/not with KQL precedence made explicit', () => {
    expect(
      kqlToQueryString(
        'event.dataset : "http.access" and http.response.status_code >= 500 or not service.name : gateway',
      ),
    ).toEqual({
      queryString:
        '((event.dataset:"http.access" AND http.response.status_code:>=500) OR (NOT service.name:gateway))',
      fields: ['event.dataset', 'http.response.status_code', 'service.name'],
    });
  });

  it('keeps parentheses, wildcards and the case of values; keywords in any case', () => {
    expect(kqlToQueryString('(url.path : /api/* OR url.path : /x) AND trace.id : "A"')).toEqual({
      queryString: '((url.path:\\/api\\/* OR url.path:\\/x) AND trace.id:"A")',
      fields: ['url.path', 'trace.id'],
    });
  });

  it('escapes query_string specials in field names', () => {
    expect(kqlToQueryString('container.labels.observable-mesh_logs : "true"').queryString).toBe(
      'container.labels.observable\\-mesh_logs:"true"',
    );
  });

  it('matches everything for an empty query', () => {
    expect(kqlToQueryString('  ')).toEqual({ queryString: '*', fields: [] });
  });

  it('refuses KQL it does not translate rather than checking it half', () => {
    expect(() => kqlToQueryString('error')).toThrow(/expected/);
    expect(() => kqlToQueryString('http.request:{ method : GET }')).toThrow(/nested/);
    expect(() => kqlToQueryString('log.level : (error or warn)')).toThrow(/unsupported value/);
    expect(() => kqlToQueryString('service.name >= "a"')).toThrow(/numbers only/);
    expect(() => kqlToQueryString('a : 1 b : 2')).toThrow(/unexpected input/);
  });
});
