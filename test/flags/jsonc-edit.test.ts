/** editJsonc: only what differs is rewritten; new entries follow the file's separator, comma and comment placement. */
import { describe, expect, it } from 'vitest';
import { editJsonc } from '../../src/flags/jsonc-edit.js';

describe('editJsonc', () => {
  it('appends after a trailing comma and a line comment, in CRLF and tabs, keeping both', () => {
    const text = '{\r\n\t"A": 1, // one\r\n}\r\n';
    expect(editJsonc(text, ['B'], undefined, { x: [1] })).toBe(
      '{\r\n\t"A": 1, // one\r\n\t"B": {\r\n\t\t"x": [\r\n\t\t\t1\r\n\t\t]\r\n\t},\r\n}\r\n',
    );
  });

  it('puts the comma before a line comment that follows the last entry', () => {
    expect(editJsonc('{\n  "A": 1 // one\n}\n', ['B'], undefined, 2)).toBe('{\n  "A": 1, // one\n  "B": 2\n}\n');
  });

  it('keeps a one-line object on one line, and its spacing around `:`', () => {
    expect(editJsonc('{ "A" : 1 }', ['B'], undefined, true)).toBe('{ "A" : 1, "B" : true }');
  });

  it('replaces a changed number in place and leaves the rest of its line alone', () => {
    const text = '{ "a": { "b": [ 1, 2 /* two */, 3 ] }, "c": "keep" }';
    expect(editJsonc(text, ['a'], { b: [1, 2, 3] }, { b: [1, 20, 3] })).toBe(text.replace('2 /*', '20 /*'));
  });

  it('fills an empty object in the layout of a multi-line file', () => {
    expect(editJsonc('{\n    "S": {}\n}\n', ['S', 'F'], undefined, false)).toBe(
      '{\n    "S": {\n        "F": false\n    }\n}\n',
    );
  });
});
