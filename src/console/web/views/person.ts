import { api, ApiError, type HistoryEvent, type Location, type Merge, type Person } from '../api.js';
import { announce, busy, clearError, currentRoute, isStale, navigate, personLink, showError, type View } from '../app.js';
import { field, h, mount } from '../dom.js';
import { addressText, bits, dateTime, nameText, percent, SSN_SYSTEM } from '../format.js';

/**
 * One person: golden view, linked records (unlink), history, record locations, merges (undo),
 * and the steward's actions: move a record here, merge another person into this one.
 */
export class PersonView implements View {
  private readonly route = currentRoute();

  constructor(
    private readonly main: HTMLElement,
    private readonly personId: string,
  ) {}

  async render(focus?: string): Promise<void> {
    const id = this.personId;
    mount(this.main, h('p', { className: 'loading' }, 'Loading person…'));
    const [person, history, merges, locations] = await Promise.allSettled([api.person(id), api.personHistory(id), api.merges(id), api.personLocations(id)]);
    if (isStale(this.route)) return;
    if (person.status === 'rejected') {
      const e = person.reason;
      if (e instanceof ApiError && e.status === 404 && history.status === 'fulfilled' && history.value.events.length) {
        // Not an active person any more (merged or retired) but it has a history: show that.
        return this.renderInactive(history.value.events, merges.status === 'fulfilled' ? merges.value.items : []);
      }
      mount(this.main, h('section', { 'aria-labelledby': 'person-title' }, h('h2', { id: 'person-title', tabindex: -1 }, 'Person'), h('p', { className: 'empty' }, e instanceof ApiError && e.status === 404 ? `No person ${id} (unknown, merged away or not visible).` : 'The person could not be loaded.')));
      if (!(e instanceof ApiError && e.status === 404)) showError(e, 'Could not load the person');
      return;
    }
    clearError();
    const p = person.value;
    const events = history.status === 'fulfilled' ? history.value.events : null;
    const olderCursor = history.status === 'fulfilled' ? (history.value.nextCursor ?? null) : null;
    const mergeItems = merges.status === 'fulfilled' ? merges.value.items : null;
    const locs = locations.status === 'fulfilled' ? locations.value.locations : null;
    mount(
      this.main,
      h(
        'article',
        { className: 'person', 'aria-labelledby': 'person-title' },
        h('h2', { id: 'person-title', tabindex: -1 }, 'Person ', h('span', { className: 'id' }, p.personId), p.status && p.status !== 'active' ? h('span', { className: `badge status-${p.status}` }, p.status) : null),
        p.status === 'merged' && p.mergedInto ? h('p', { className: 'notice' }, 'Merged into ', personLink(p.mergedInto), '.') : null,
        h('div', { className: 'person-grid' }, this.golden(p), !p.status || p.status === 'active' ? this.actions(p) : null),
        this.records(p),
        this.merges(p, mergeItems),
        this.locations(locs),
        this.history(events, olderCursor),
      ),
    );
    const target = focus ? document.getElementById(focus) : null;
    (target ?? document.getElementById('person-title'))?.focus();
  }

  private renderInactive(events: HistoryEvent[], merges: Merge[]): void {
    mount(
      this.main,
      h(
        'article',
        { className: 'person', 'aria-labelledby': 'person-title' },
        h('h2', { id: 'person-title', tabindex: -1 }, 'Person ', h('span', { className: 'id' }, this.personId), h('span', { className: 'badge' }, 'not active')),
        h('p', { className: 'notice' }, 'This person has no active records now (merged into another person, or every record moved or retired). Its history and merges follow.'),
        this.merges({ personId: this.personId }, merges),
        this.history(events, null),
      ),
    );
    document.getElementById('person-title')?.focus();
  }

  private golden(p: Person): HTMLElement {
    const g = p.golden;
    const rows: Array<[string, string]> = g && g.sourceCount > 0
      ? [
          ['Name', nameText(g.name)],
          ['Birth date', g.birthDate ?? ''],
          ['Sex', g.sex ?? ''],
          ['Address', addressText(g.address)],
          ['Phone', g.telecom.filter((t) => t.system === 'phone').map((t) => t.value).join(', ')],
          ['E-mail', g.telecom.filter((t) => t.system === 'email').map((t) => t.value).join(', ')],
          ['SSN', g.identifiers.filter((i) => i.system === SSN_SYSTEM).map((i) => i.value).join(', ')],
          ['Other identifiers', g.identifiers.filter((i) => i.system !== SSN_SYSTEM).map((i) => `${i.system}|${i.value}`).join(', ')],
          ["Mother's maiden name", g.mothersMaidenName ?? ''],
          ['Source records', String(g.sourceCount)],
        ]
      : [];
    return h(
      'section',
      { className: 'card', 'aria-labelledby': 'golden-title' },
      h('h3', { id: 'golden-title' }, 'Golden view'),
      rows.length ? h('dl', { className: 'golden' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v || '–')])) : h('p', { className: 'empty' }, 'No active records.'),
    );
  }

  private actions(p: Person): HTMLElement {
    const recordId = h('input', { id: 'move-record-id', name: 'recordId', required: true, spellcheck: 'false', autocomplete: 'off' });
    const moveNote = h('input', { id: 'move-note', name: 'note', autocomplete: 'off' });
    const moveButton = h('button', { type: 'submit' }, 'Move record here');
    const move = h('form', { 'aria-labelledby': 'move-title', novalidate: true }, h('h4', { id: 'move-title' }, 'Move a record to this person'), field('Record id', recordId), field('Note (optional)', moveNote), moveButton);
    move.addEventListener('submit', (e) => {
      e.preventDefault();
      const rid = recordId.value.trim();
      if (!rid) return showError('Enter the id of the record to move here');
      void busy(moveButton, async () => {
        try {
          const r = await api.linkRecord(p.personId, rid, moveNote.value.trim() || undefined);
          announce(`Record ${r.recordId} moved to this person${r.previousPersonId ? ` from person ${r.previousPersonId}` : ''}.`);
          await this.render('records-title');
        } catch (err) {
          showError(err, 'The record was not moved');
        }
      });
    });

    const other = h('input', { id: 'merge-person-id', name: 'personId', required: true, spellcheck: 'false', autocomplete: 'off' });
    const mergeNote = h('input', { id: 'merge-note', name: 'note', autocomplete: 'off' });
    const mergeButton = h('button', { type: 'submit', className: 'danger' }, 'Merge into this person');
    const merge = h(
      'form',
      { 'aria-labelledby': 'merge-title', novalidate: true },
      h('h4', { id: 'merge-title' }, 'Merge another person into this one'),
      field('Person id to merge in', other, 'Its records move here; the merge can be undone below.'),
      field('Note (optional)', mergeNote),
      mergeButton,
    );
    merge.addEventListener('submit', (e) => {
      e.preventDefault();
      const pid = other.value.trim();
      if (!pid) return showError('Enter the id of the person to merge into this one');
      void busy(mergeButton, async () => {
        try {
          const r = await api.merge(p.personId, pid, mergeNote.value.trim() || undefined);
          announce(`Person ${r.mergedPersonId} merged into this person: ${r.movedRecordIds.length} record${r.movedRecordIds.length === 1 ? '' : 's'} moved. Undo merge is available under Merges.`);
          await this.render(`undo-${r.mergeId}`);
        } catch (err) {
          showError(err, 'The merge was not done');
        }
      });
    });
    return h('section', { className: 'card actions', 'aria-labelledby': 'actions-title' }, h('h3', { id: 'actions-title' }, 'Actions'), move, merge);
  }

  private records(p: Person): HTMLElement {
    return h(
      'section',
      { 'aria-labelledby': 'records-title' },
      h('h3', { id: 'records-title', tabindex: -1 }, `Records (${p.records.length})`),
      p.records.length
        ? h(
            'table',
            { className: 'records' },
            h('thead', {}, h('tr', {}, ...['Organization', 'Local id', 'Record id', 'Link method', 'Grade', 'Score', 'Linked', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
            h(
              'tbody',
              {},
              p.records.map((r) => {
                const unlink = h('button', { type: 'button', className: 'small', 'aria-label': `Unlink record ${r.organizationId}/${r.localId} from this person` }, 'Unlink');
                unlink.addEventListener('click', () =>
                  void busy(unlink, async () => {
                    try {
                      const res = await api.unlinkRecord(p.personId, r.recordId);
                      announce(`Record ${r.organizationId}/${r.localId} unlinked: it is now person ${res.personId}.`);
                      await this.render('records-title');
                    } catch (err) {
                      showError(err, 'The record was not unlinked');
                    }
                  }),
                );
                return h(
                  'tr',
                  { 'data-record-id': r.recordId },
                  h('td', {}, r.organizationId),
                  h('td', {}, r.localId),
                  h('td', { className: 'id' }, r.recordId),
                  h('td', {}, r.link.method),
                  h('td', {}, r.link.grade ?? '–'),
                  h('td', { className: 'num' }, r.link.score === null ? '–' : bits(r.link.score)),
                  h('td', {}, dateTime(r.link.linkedAt)),
                  h('td', {}, unlink),
                );
              }),
            ),
          )
        : h('p', { className: 'empty' }, 'No active records.'),
    );
  }

  private merges(p: Pick<Person, 'personId'>, items: Merge[] | null): HTMLElement {
    return h(
      'section',
      { 'aria-labelledby': 'merges-title' },
      h('h3', { id: 'merges-title', tabindex: -1 }, 'Merges'),
      items === null
        ? h('p', { className: 'empty' }, 'Merges could not be loaded.')
        : items.length === 0
          ? h('p', { className: 'empty' }, 'No merges involve this person.')
          : h(
              'table',
              { className: 'merges' },
              h('thead', {}, h('tr', {}, ...['Merge', 'Surviving person', 'Merged person', 'Status', 'Merged', 'By', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
              h(
                'tbody',
                {},
                items.map((m) => {
                  const undo =
                    m.status === 'active'
                      ? h('button', { type: 'button', className: 'small', id: `undo-${m.mergeId}`, 'aria-label': `Undo merge of person ${m.mergedPersonId}` }, 'Undo merge')
                      : null;
                  undo?.addEventListener('click', () =>
                    void busy(undo, async () => {
                      try {
                        const r = await api.undoMerge(m.mergeId);
                        const kept = r.notRestored.length ? ` ${r.notRestored.length} record(s) stayed: ${r.notRestored.map((n) => `${n.recordId} (${n.reason})`).join(', ')}.` : '';
                        announce(`Merge undone: person ${r.restoredPersonId} restored with ${r.restoredRecordIds.length} record(s).${kept}`);
                        await this.render('merges-title');
                      } catch (err) {
                        showError(err, 'The merge was not undone');
                      }
                    }),
                  );
                  return h(
                    'tr',
                    { 'data-merge-id': m.mergeId },
                    h('td', { className: 'id' }, m.mergeId),
                    h('td', {}, m.personId === p.personId ? 'this person' : personLink(m.personId)),
                    h('td', {}, m.mergedPersonId === p.personId ? 'this person' : personLink(m.mergedPersonId)),
                    h('td', {}, m.status, m.undoneAt ? ` ${dateTime(m.undoneAt)}` : ''),
                    h('td', {}, dateTime(m.createdAt)),
                    h('td', {}, m.createdBy ?? ''),
                    h('td', {}, undo),
                  );
                }),
              ),
            ),
    );
  }

  private locations(locs: Location[] | null): HTMLElement {
    return h(
      'section',
      { 'aria-labelledby': 'locations-title' },
      h('h3', { id: 'locations-title' }, 'Record locations'),
      locs === null
        ? h('p', { className: 'empty' }, 'Locations could not be loaded.')
        : locs.length === 0
          ? h('p', { className: 'empty' }, 'No locations.')
          : h(
              'ul',
              { className: 'locations' },
              locs.map((l) =>
                h(
                  'li',
                  {},
                  h('strong', {}, l.organization.name),
                  ` (${l.organization.id}) · ${l.patientIdentifier.system}|${l.patientIdentifier.value} · ${l.link.method}${l.link.grade ? ` ${l.link.grade}` : ''} · updated ${dateTime(l.lastUpdated)}`,
                  l.endpoints.length
                    ? h('ul', {}, l.endpoints.map((ep) => h('li', {}, `${ep.connectionType}: ${ep.address}${ep.status !== 'active' ? ` (${ep.status})` : ''}`)))
                    : null,
                ),
              ),
            ),
    );
  }

  private history(events: HistoryEvent[] | null, olderCursor: string | null): HTMLElement {
    const list = h('ol', { className: 'timeline' });
    const older = h('button', { type: 'button', className: 'small', hidden: !olderCursor }, 'Show older events');
    let cursor = olderCursor;
    const add = (evs: HistoryEvent[]) => list.append(...evs.map((ev) => this.event(ev)));
    if (events) add(events);
    older.addEventListener('click', () =>
      void busy(older, async () => {
        try {
          const page = await api.personHistory(this.personId, cursor);
          add(page.events);
          cursor = page.nextCursor ?? null;
          older.hidden = !cursor;
          announce(`${page.events.length} older event${page.events.length === 1 ? '' : 's'} shown.`);
        } catch (err) {
          showError(err, 'Older events could not be loaded');
        }
      }),
    );
    return h(
      'section',
      { 'aria-labelledby': 'history-title' },
      h('h3', { id: 'history-title' }, 'History'),
      events === null ? h('p', { className: 'empty' }, 'History could not be loaded.') : events.length === 0 ? h('p', { className: 'empty' }, 'No events.') : [list, older],
    );
  }

  private event(ev: HistoryEvent): HTMLElement {
    return h(
                  'li',
                  { className: `event event-${ev.event}` },
                  h('time', { datetime: ev.occurredAt }, dateTime(ev.occurredAt)),
                  h('span', { className: 'badge' }, ev.event),
                  ev.organizationId ? ` ${ev.organizationId}/${ev.localId ?? ''}` : '',
                  ev.personId ? [' → ', personLink(ev.personId)] : '',
                  ev.previousPersonId ? [' (was ', personLink(ev.previousPersonId), ')'] : '',
                  ev.method ? ` · ${ev.method}` : '',
                  ev.grade ? ` ${ev.grade}` : '',
                  ev.score !== null && ev.score !== undefined ? ` ${bits(ev.score)} bits` : '',
                  ev.probability !== null && ev.probability !== undefined ? ` (${percent(ev.probability)})` : '',
                  ev.reason ? h('div', { className: 'reason' }, ev.reason) : null,
                  h('div', { className: 'muted' }, [ev.actor ? `by ${ev.actor}` : '', ev.ruleSet ? `rule set ${ev.ruleSet.id} ${ev.ruleSet.version}` : ''].filter(Boolean).join(' · ')),
                );
  }
}

/** Goes to a person page. */
export function openPerson(personId: string): void {
  navigate(`#/person/${encodeURIComponent(personId)}`);
}
