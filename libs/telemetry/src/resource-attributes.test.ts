import { describe, expect, it } from 'vitest';
import { parseResourceAttributes } from './resource-attributes';

describe('parseResourceAttributes', () => {
  it('reads comma-separated key=value pairs, trimming whitespace', () => {
    expect(
      parseResourceAttributes(' service.instance.id = order-1 ,deployment.environment.name=ci'),
    ).toEqual({ 'service.instance.id': 'order-1', 'deployment.environment.name': 'ci' });
  });

  it('percent-decodes keys and values', () => {
    expect(parseResourceAttributes('team=mesh%20core,path=a%2Cb')).toEqual({
      team: 'mesh core',
      path: 'a,b',
    });
  });

  it('skips pairs without "=", with an empty key or with a malformed escape', () => {
    expect(parseResourceAttributes('novalue,=x,bad=%E0%A4%A,ok=1')).toEqual({ ok: '1' });
  });

  it('keeps an empty value and lets a later duplicate win', () => {
    expect(parseResourceAttributes('a=,b=1,b=2')).toEqual({ a: '', b: '2' });
  });

  it('answers an empty object for an unset or empty variable', () => {
    expect(parseResourceAttributes(undefined)).toEqual({});
    expect(parseResourceAttributes('')).toEqual({});
  });
});
