/**
 * The text collations the WHERE filter evaluator reproduces exactly, so incremental migration keeps
 * the rows the full load selected on the server. A collation here is a weight per character
 * (characters of equal weight are equal, weights order the rest) plus PAD SPACE (trailing spaces do
 * not count: 'a' = 'a ') or NO PAD. That is exactly how the server compares for:
 * - utf8mb4/utf8mb3/utf8/ascii `_general_ci` and `_general_nopad_ci`: the weights of utf8mb4_general_ci
 *   (upper case, most accents dropped; every character beyond the BMP weighs U+FFFD, so '😀' = '😁');
 * - `_bin`, `_nopad_bin` and utf8mb4_0900_bin (NO PAD): the code point; latin1_bin: the byte;
 * - latin1_swedish_ci (latin1's default: Å, Ä, Ö sort after Z; Ä = Æ, Ü = Y) and latin1_general_ci
 *   (case-insensitive, accent-sensitive): a weight per latin1 byte.
 * Others (utf8mb4_0900_ai_ci, *_unicode_ci, *_unicode_520_ci, *_uca1400_*, language collations,
 * latin1_german2_ci...) expand or contract characters or weigh them on several levels: not modelled,
 * `collationNamed` answers undefined and parseFilter refuses text comparisons on such columns.
 *
 * The tables are data read from a MariaDB 10.11 server with WEIGHT_STRING() (every BMP code point
 * under utf8mb4_general_ci, every latin1 byte under the latin1 collations) and CONVERT(_latin1 X'..'
 * USING utf8mb4); test/integration/filter-agreement.test.ts reads them again and compares.
 */
export interface Collation {
  /** The collation's name, lower case (utf8mb4_general_ci for the default). */
  readonly name: string;
  /** The character set its values are stored in: what a literal compared with it must fit. */
  readonly charset: "utf8mb4" | "utf8mb3" | "ascii" | "latin1";
  /** PAD SPACE: the shorter string counts as padded with spaces; false: NO PAD ('a' < 'a '). */
  readonly padSpace: boolean;
  /** The weight of one character (a code point). */
  readonly weight: (cp: number) => number;
}

/**
 * utf8mb4_general_ci's weight of each BMP code point that does not weigh itself, as runs separated
 * by spaces, numbers in base 36: `start[.length]=weight` (all weigh `weight`), `start.length±delta`
 * (each weighs itself ± delta), `start.length` (pairs: an odd code point weighs the even one before).
 */
const GENERAL_RUNS = [
  "2p.q-w 51=po 5c.6=1t 5j=1v 5k.4=1x 5o.4=21 5t.2-3n 5v.4=27 61.4=2d 65=2h 67=2b 68.6=1t 6e=5i ",
  "6f=1v 6g.4=1x 6k.4=21 6o=5s 6p.2-4j 6r.4=27 6w=60 6x.4=2d 71=2h 72=66 73=2h 74.6=1t 7a.8=1v ",
  "7i.2=1w 7l=7k 7m.a=1x 7w.8=1z 84.2=20 87=86 88.a=21 8j=8i 8k.2=22 8m.2=23 8p.6=24 8w=8v 8y=8x ",
  "8z.6=26 97=96 98.6=27 9f=9e 9g.6=2a 9m.8=2b 9u.4=2c 9z=9y a0.c=2d ac.2=2f ae.3=2h ah.6=2i an=2b ",
  "ar.4 aw=av b0=az b6=b5 b9=dy bd.2 bk.2=27 bn.4 bs=br bx.2 bz.2=2d c4=c3 c6=c5 c9.2 cd.2 cf=dz ",
  "cl.2=ck co.2=cn cr.2=cq ct.2=1t cv.2=21 cx.2=27 cz.a=2d d9=b2 da.4=1t de.2=5i dh=dg di.2=1z ",
  "dk.2=23 dm.4=27 dq.2=c7 ds=22 du.2=dt dw.2=1z e0.2=26 e2.2=1t e4.2=5i e6.2=60 e8.4=1t ec.4=1x ",
  "eg.4=21 ek.4=27 eo.4=2a es.4=2d ew.2=2b ey.2=2c f1=f0 f2.2=20 f7.3 fa.2=1t fc.2=1x fe.8=27 ",
  "fm.2=2h gj=ap gk=au gm.2-5p gp=b3 gr=b4 gw=b7 gz=b8 h4=bb h5=ba hb=bg he=bh hh=bj hs=bq hv=bt ",
  "i0=by i2.2-61 ia=c7 n9=pl p2=pd p4=ph p5=pj p6=pl p8=pr pa=px pb=q1 pc=pl q2=pl q3=px q4=pd ",
  "q5=ph q6=pj q7=pl q8=px q9.h-w qq.2=pv qs.6-w qy=pl qz=px r0=pr r1=px r2=q1 r4=pe r5=pk r7.2=r6 ",
  "r9=py ra=ps rf.l s0=pm s1=pt s2=pv sg.2=t1 sj=sz sn.2 ss=t6 st=t4 su=tf ts.w-w uo.2=t1 uq=si ",
  "ur=sz us.3-28 uv=sm uw.4-28 v0=t6 v1=t4 v2=tf v3=sv v5.l vq.2=vo vt.a wd.1g xt.2=t2 xw=xv y0=xz ",
  "y4=y3 y8.4=sw yd=yc ye.2=t1 yh.3=yg yk.2=t2 ym.2=t3 yp=yo yq.4=t4 yu.2=ta yx.3=yw z0.2=tp ",
  "z2.6=tf z8.2=tj zc.2=tn 129.12-1c 5xc.2=1t 5xe.6=1u 5xk.2=1v 5xm.a=1w 5xw.a=1x 5y6.2=1y 5y8.2=1z ",
  "5ya.a=20 5yk.4=21 5yo.6=23 5yu.8=24 5z2.6=25 5z8.8=26 5zg.8=27 5zo.4=28 5zs.8=2a 600.a=2b ",
  "60a.8=2c 60i.a=2d 60s.4=2e 60w.a=2f 616.4=2g 61a.2=2h 61c.6=2i 61i=20 61j=2c 61k=2f 61l=2h ",
  "61n=2b 61s.o=1t 62g.g=1x 62w.4=21 630.o=27 63o.e=2d 642.8=2h 64g.g=pd 64w.6=ph 654.6=ph 65c.g=pj ",
  "65s.g=pl 668.6=pr 66g.6=pr 66o.8=px 66x=px 66z=px 671=px 673=px 674.g=q1 67k=pd 67l=69n 67m=ph ",
  "67n=6a1 67o=pj 67p=6a3 67q=pl 67r=6aj 67s=pr 67t=6bd 67u=px 67v=6az 67w=q1 67x=6bf 680.g=pd ",
  "68g.g=pj 68w.g=q1 69c.5=pd 69i.5=pd 69o=pd 69q=pl 69u.3=pj 69y.2=pj 6a0=ph 6a2=pj 6a4=pj ",
  "6a8.3=pl 6ae.5=pl 6ao.3=px 6as.2=pt 6au.5=px 6b0=pt 6b6.3=q1 6ba.2=q1 6bc=pr 6be=q1 6bg=q1 ",
  "6ls.g-g 79s.q-q 1ef5.q-w ",
].join("");
/** Weights per latin1 byte, in hex, from WEIGHT_STRING(_latin1 X'00..FF' COLLATE ...). */
const LATIN1_SWEDISH_CI = [
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
  "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f",
  "604142434445464748494a4b4c4d4e4f505152535455565758595a7b7c7d7e7f",
  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
  "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf",
  "414141415c5b5c434545454549494949444e4f4f4f4f5dd7d85555555959dedf",
  "414141415c5b5c434545454549494949444e4f4f4f4f5df7d85555555959deff",
].join("");
const LATIN1_GENERAL_CI = [
  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
  "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
  "40415153575b6567696b7577797b7d818f919395989aa4a6a8aaafb3b4b5b6b7",
  "b8415153575b6567696b7577797b7d818f919395989aa4a6a8aaafb9babbbcbf",
  "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
  "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
  "434547494b4d4f555d5f61636d6f7173597f838587898bbd8d9c9ea0a2acb197",
  "434547494b4d4f555d5f61636d6f7173597f838587898bbe8d9c9ea0a2acb1ae",
].join("");
/** The code points of latin1 bytes 0x80..0x9F (MySQL's latin1 is cp1252, its 5 holes kept as C1). */
const LATIN1_80_9F = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

const REPLACEMENT = 0xfffd;
let general: Uint16Array | undefined;
/** utf8mb4_general_ci's weight table of the BMP, decoded once on first use. */
function generalTable(): Uint16Array {
  if (general) return general;
  const table = new Uint16Array(0x10000).map((_, cp) => cp);
  for (const run of GENERAL_RUNS.split(" ")) {
    const match = /^([0-9a-z]+)(?:\.([0-9a-z]+))?(?:([=+-])([0-9a-z]+))?$/.exec(run);
    if (!match) continue;
    const start = Number.parseInt(match[1] ?? "", 36);
    const length = match[2] === undefined ? 1 : Number.parseInt(match[2], 36);
    const value = Number.parseInt(match[4] ?? "0", 36);
    for (let cp = start; cp < start + length; cp++) {
      table[cp] =
        match[3] === "=" ? value : match[3] === "+" ? cp + value : match[3] === "-" ? cp - value : cp & ~1;
    }
  }
  general = table;
  return table;
}

/** The weight of a code point under utf8mb4_general_ci (U+FFFD beyond the BMP). */
export function generalWeight(cp: number): number {
  if (cp < 0x80) return cp >= 0x61 && cp <= 0x7a ? cp - 0x20 : cp;
  return cp > 0xffff ? REPLACEMENT : (generalTable()[cp] ?? cp);
}

const latin1Bytes = new Map<number, number>(LATIN1_80_9F.map((cp, i) => [cp, 0x80 + i]));
/**
 * The latin1 byte of a code point (-1: none). A code point of 0x80..0x9F that MySQL's latin1 does not
 * hold is read as that byte, as an ISO-8859-1 decoder would have produced it.
 */
export function latin1Byte(cp: number): number {
  if (cp < 0x80 || (cp >= 0xa0 && cp <= 0xff)) return cp;
  return latin1Bytes.get(cp) ?? (cp <= 0xff ? cp : -1);
}
/** A weight per latin1 byte; a character latin1 cannot hold (never in a latin1 column) after all. */
const byteTable = (hex: string) => {
  const table = Uint8Array.from(Buffer.from(hex, "hex"));
  return (cp: number) => {
    const byte = latin1Byte(cp);
    return byte < 0 ? 0x100 + cp : (table[byte] ?? byte);
  };
};
const swedish = byteTable(LATIN1_SWEDISH_CI);
const latin1General = byteTable(LATIN1_GENERAL_CI);
const latin1Bin = byteTable(Buffer.from(Array.from({ length: 256 }, (_, i) => i)).toString("hex"));
const codePoint = (cp: number) => cp;

/** utf8mb4_general_ci: what dts assumes when a column's collation is not known. */
export const GENERAL_CI: Collation = {
  name: "utf8mb4_general_ci",
  charset: "utf8mb4",
  padSpace: true,
  weight: generalWeight,
};

const named = new Map<string, Collation | undefined>();
const MODELLED =
  /^(utf8mb4|utf8mb3|utf8|ascii|latin1)_(?:(general|swedish)_(nopad_)?ci|(nopad_)?bin|(0900_bin))$/;
/** The model of a collation (information_schema COLLATION_NAME), or undefined when dts has none. */
export function collationNamed(name: string): Collation | undefined {
  const key = name.toLowerCase();
  if (named.has(key)) return named.get(key);
  const match = MODELLED.exec(key);
  let collation: Collation | undefined;
  if (match) {
    const charset = match[1] === "utf8" ? "utf8mb3" : (match[1] as Collation["charset"]);
    const [family, ciNopad, binNopad, bin0900] = match.slice(2);
    const latin1 = charset === "latin1";
    // latin1 bytes do not order as their code points ('€' is 0x80, U+20AC): latin1_bin weighs bytes.
    const weight =
      family === "general"
        ? latin1
          ? latin1General
          : generalWeight
        : family === "swedish"
          ? latin1
            ? swedish
            : undefined
          : latin1
            ? latin1Bin
            : codePoint;
    const padSpace = ciNopad === undefined && binNopad === undefined && bin0900 === undefined;
    if (weight && (bin0900 === undefined || charset === "utf8mb4")) {
      collation = { name: key, charset, padSpace, weight };
    }
  }
  named.set(key, collation);
  return collation;
}

/** Whether the collation's character set can hold every character of `text`. */
export function encodes(collation: Collation, text: string): boolean {
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (collation.charset === "utf8mb3" && cp > 0xffff) return false;
    if (collation.charset === "ascii" && cp >= 0x80) return false;
    if (collation.charset === "latin1" && cp >= 0x80 && !(cp >= 0xa0 && cp <= 0xff) && !latin1Bytes.has(cp))
      return false;
  }
  return true;
}

/** The weights of the characters of `text`. */
export function weightsOf(text: string, collation: Collation): number[] {
  const out: number[] = [];
  for (const ch of text) out.push(collation.weight(ch.codePointAt(0) ?? 0));
  return out;
}

/** Compares two strings as the collation does (-1, 0, 1), padding the shorter under PAD SPACE. */
export function compareText(a: string, b: string, collation: Collation = GENERAL_CI): number {
  const x = weightsOf(a, collation);
  const y = weightsOf(b, collation);
  const pad = collation.padSpace ? collation.weight(0x20) : -1;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const wx = x[i] ?? pad;
    const wy = y[i] ?? pad;
    if (wx !== wy) return wx < wy ? -1 : 1;
  }
  return 0;
}
