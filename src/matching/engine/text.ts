/** Text folding shared by the normalizers. */

const SPECIAL: Record<string, string> = {
  ß: 'SS', ẞ: 'SS', Æ: 'AE', æ: 'AE', Œ: 'OE', œ: 'OE', Ø: 'O', ø: 'O', Ł: 'L', ł: 'L',
  Đ: 'D', đ: 'D', Ð: 'D', ð: 'D', Þ: 'TH', þ: 'TH', ı: 'I',
};
const SPECIAL_RE = /[ßẞÆæŒœØøŁłĐđÐðÞþı]/g;

/**
 * Upper-case, strip diacritics (NFKD + combining marks), drop apostrophes (O'Brien →
 * OBRIEN), turn every other non-alphanumeric run into one space, trim.
 */
export function foldText(s: string): string {
  return s
    .replace(SPECIAL_RE, (c) => SPECIAL[c] ?? c)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/['’`ʼ]/g, '')
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();
}

/** foldText split into tokens. */
export function tokens(s: string): string[] {
  const f = foldText(s);
  return f === '' ? [] : f.split(' ');
}

/** Keep ASCII digits only. */
export function digitsOnly(s: string): string {
  return s.replace(/[^0-9]/g, '');
}
