import { api, ApiError, type Candidate, type Demographics, type Person } from '../api.js';
import { announce, busy, clearError, currentRoute, isStale, navigate, personLink, showError, type View } from '../app.js';
import { field, h, mount } from '../dom.js';
import { bits, nameText, percent } from '../format.js';
import { parseQuery } from '../query.js';

/**
 * Search: by person id, record id, identifier (`system|value`), or demographics (the match
 * API: candidates with grade and probability).
 */
export class SearchView implements View {
  private readonly route = currentRoute();
  private readonly results = h('section', { className: 'results', 'aria-labelledby': 'results-title', id: 'search-results' });

  constructor(
    private readonly main: HTMLElement,
    private readonly q: string,
  ) {}

  async render(): Promise<void> {
    const family = h('input', { id: 'search-family', name: 'family', autocomplete: 'off' });
    const given = h('input', { id: 'search-given', name: 'given', autocomplete: 'off' });
    const birthDate = h('input', { id: 'search-birth-date', name: 'birthDate', type: 'date' });
    const sex = h(
      'select',
      { id: 'search-sex', name: 'sex' },
      h('option', { value: '' }, 'Any'),
      h('option', { value: 'female' }, 'Female'),
      h('option', { value: 'male' }, 'Male'),
      h('option', { value: 'other' }, 'Other'),
      h('option', { value: 'unknown' }, 'Unknown'),
    );
    const submit = h('button', { type: 'submit', className: 'primary' }, 'Find candidates');
    const form = h(
      'form',
      { className: 'card demographic-search', 'aria-labelledby': 'dsearch-title', novalidate: true },
      h('h3', { id: 'dsearch-title' }, 'Find a person by demographics'),
      h('div', { className: 'row' }, field('Family name', family), field('Given name', given), field('Birth date', birthDate), field('Sex', sex)),
      submit,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (!family.value.trim() && !given.value.trim()) return showError('Enter at least a family or given name');
      const d: Demographics = { name: [{ family: family.value.trim() || undefined, given: given.value.trim() ? given.value.trim().split(/\s+/) : [] }] };
      if (birthDate.value) d.birthDate = birthDate.value;
      if (sex.value) d.sex = sex.value;
      void busy(submit, () => this.match(d));
    });
    mount(
      this.main,
      h(
        'section',
        { className: 'search', 'aria-labelledby': 'search-title' },
        h('h2', { id: 'search-title', tabindex: -1 }, 'Search'),
        h('p', { className: 'muted' }, 'Use the search box at the top for a person id, a record id, an identifier as system|value, or a name and birth date ("Whitaker, Jonathon 1984-03-07"); or fill in the form.'),
        form,
        this.results,
      ),
    );
    if (this.q) await this.quick(this.q);
    else family.focus();
  }

  private async quick(q: string): Promise<void> {
    const parsed = parseQuery(q);
    try {
      if (parsed.kind === 'id') {
        try {
          await api.person(parsed.id);
          return isStale(this.route) ? undefined : navigate(`#/person/${encodeURIComponent(parsed.id)}`);
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 404)) throw e;
        }
        try {
          const rec = await api.recordHistory(parsed.id);
          const personId = rec.events.find((ev) => ev.personId)?.personId;
          if (personId) {
            if (isStale(this.route)) return;
            announce(`Record ${parsed.id} belongs to person ${personId}.`);
            return navigate(`#/person/${encodeURIComponent(personId)}`);
          }
        } catch (e) {
          if (!(e instanceof ApiError && e.status === 404)) throw e;
        }
        return this.show(`Nothing found for ${parsed.id}`, []);
      }
      if (parsed.kind === 'identifier') {
        const r = await api.locateByIdentifier(parsed.identifier);
        if (r.personId) return isStale(this.route) ? undefined : navigate(`#/person/${encodeURIComponent(r.personId)}`);
        return this.show(`No person has the identifier ${parsed.identifier}`, []);
      }
      if (parsed.kind === 'demographics') return this.match(parsed.demographics);
      this.show('Type something to search for', []);
    } catch (e) {
      if (!isStale(this.route)) showError(e, 'Search failed');
    }
  }

  private async match(d: Demographics): Promise<void> {
    try {
      const r = await api.match(d, 10);
      clearError();
      // Names and birth dates of the candidates (each read is audited as a disclosure).
      const persons = await Promise.all(r.candidates.map((c) => api.person(c.personId).catch(() => null)));
      if (isStale(this.route)) return;
      this.show(`${r.candidates.length} candidate${r.candidates.length === 1 ? '' : 's'}`, r.candidates, persons);
      announce(`${r.candidates.length} candidate${r.candidates.length === 1 ? '' : 's'} found.`);
    } catch (e) {
      if (!isStale(this.route)) showError(e, 'Search failed');
    }
  }

  private show(title: string, candidates: Candidate[], persons: Array<Person | null> = []): void {
    if (isStale(this.route)) return;
    mount(
      this.results,
      h('h3', { id: 'results-title', tabindex: -1 }, title),
      candidates.length
        ? h(
            'table',
            { className: 'candidates' },
            h('thead', {}, h('tr', {}, ...['Person', 'Name', 'Birth date', 'Grade', 'Probability', 'Score'].map((c) => h('th', { scope: 'col' }, c)))),
            h(
              'tbody',
              {},
              candidates.map((c, i) =>
                h(
                  'tr',
                  {},
                  h('td', {}, personLink(c.personId)),
                  h('td', {}, nameText(persons[i]?.golden?.name) || '–'),
                  h('td', {}, persons[i]?.golden?.birthDate ?? '–'),
                  h('td', {}, c.grade),
                  h('td', { className: 'num' }, percent(c.probability)),
                  h('td', { className: 'num' }, bits(c.score)),
                ),
              ),
            ),
          )
        : null,
    );
    document.getElementById('results-title')?.focus();
  }
}
