// The names glibc's res_search (resolv/res_query.c) tries for a host name, in order:
// - a trailing dot means absolute: only the name itself;
// - a name with at least `ndots` dots is tried as given first;
// - then the name under each search domain (a root domain "" or "." gives the name itself and
//   counts as having tried it);
// - finally the name as given, unless it was already tried (RES_NOTLDQUERY, off by default,
//   would skip this for single-label names).
// The resolver stops early as res_search does: an answer ends the walk; NXDOMAIN and NODATA move
// on; a SERVFAIL moves on; any other failure (timeout, REFUSED…) ends it — see searchShouldStop.
import type { ResolvConf } from './resolv-conf.ts';

export interface SearchCandidate {
  /** Absolute name with a trailing dot. */
  name: string;
  /** Search domain appended, or null for the name as given. */
  domain: string | null;
}

function join(name: string, domain: string): string {
  return domain === '' ? `${name}.` : `${name}.${domain}.`;
}

/** Candidate absolute names for `name` under `rc` (search list and ndots). */
export function searchCandidates(name: string, rc: Pick<ResolvConf, 'search' | 'ndots'>, noTldQuery = false): SearchCandidate[] {
  if (name.endsWith('.')) return [{ name, domain: null }];
  let dots = 0;
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) === 46) dots++;
  const out: SearchCandidate[] = [];
  let triedAsIs = false;
  if (dots >= rc.ndots) {
    out.push({ name: `${name}.`, domain: null });
    triedAsIs = true;
  }
  let rootOnList = false;
  for (const raw of rc.search) {
    const d = raw.replace(/^\./, '').replace(/\.$/, '');
    if (d === '') rootOnList = true;
    out.push({ name: join(name, d), domain: d });
  }
  const searched = rc.search.length > 0;
  if ((dots > 0 || !searched || !noTldQuery) && !(triedAsIs || rootOnList)) out.push({ name: `${name}.`, domain: null });
  return out;
}

/** Outcome of one candidate's query, as res_search classifies it via h_errno. */
export type CandidateOutcome = 'answer' | 'nxdomain' | 'nodata' | 'servfail' | 'tryagain';

/**
 * res_search's bookkeeping over the walk. An answer ends it; inside the search-domain loop a
 * failure other than NXDOMAIN / NODATA / SERVFAIL ends the loop (the final as-is try still runs).
 * The error reported at the end: the first as-is try's, else NODATA if any, else TRY_AGAIN after
 * a SERVFAIL, else the last query's.
 */
export class SearchWalk {
  private i = 0;
  private loopDone = false;
  private saved: CandidateOutcome | null = null;
  private gotNodata = false;
  private gotServfail = false;
  private last: CandidateOutcome = 'nxdomain';
  answered = false;

  constructor(readonly candidates: SearchCandidate[]) {}

  /** The next candidate to query, or null when the walk is over. */
  next(): SearchCandidate | null {
    if (this.answered) return null;
    while (this.i < this.candidates.length) {
      const c = this.candidates[this.i++]!;
      if (c.domain !== null && this.loopDone) continue;
      return c;
    }
    return null;
  }

  record(c: SearchCandidate, o: CandidateOutcome, first: boolean): void {
    this.last = o;
    if (o === 'answer') { this.answered = true; return; }
    if (c.domain === null && first) this.saved = o;
    if (o === 'nodata') this.gotNodata = true;
    if (o === 'servfail') this.gotServfail = true;
    if (c.domain !== null && o === 'tryagain') this.loopDone = true;
  }

  /** The failure res_search reports when no candidate answered. */
  failure(): CandidateOutcome {
    if (this.saved) return this.saved === 'servfail' ? 'tryagain' : this.saved;
    if (this.gotNodata) return 'nodata';
    if (this.gotServfail) return 'tryagain';
    return this.last === 'servfail' ? 'tryagain' : this.last;
  }
}
