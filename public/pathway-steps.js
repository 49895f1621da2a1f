// The pathway form's steps: a search over the badges, ticking moves a badge into the ordered list of chosen steps,
// and chosen steps are reordered by dragging or with their Move up / Move down buttons. The hidden numbers are kept
// in step with the list, so the server reads the same fields as without this file (ticks and typed numbers).
(() => {
  const picker = document.querySelector('[data-pathway-picker]');
  if (!picker) return;
  const chosen = picker.querySelector('[data-chosen]');
  const available = picker.querySelector('[data-available]');
  const empty = picker.querySelector('[data-chosen-empty]');
  const announcer = picker.querySelector('[data-step-announce]');
  const search = picker.querySelector('[data-step-search]');
  const searchInput = search && search.querySelector('input');
  const searchCount = picker.querySelector('[data-step-search-count]');
  const rows = () => [...chosen.querySelectorAll('li[data-step]')];
  const nameOf = (row) => row.querySelector('.pathway-step-name').firstChild.textContent.trim();
  // The list's original order, to put an unticked badge back where it was.
  [...picker.querySelectorAll('li[data-step]')].forEach((row, i) => row.setAttribute('data-index', String(i)));

  const say = (text) => {
    announcer.textContent = '';
    setTimeout(() => { announcer.textContent = text; }, 50);
  };

  function layout(row) {
    const isChosen = row.parentElement === chosen;
    row.querySelector('[data-step-order]').hidden = true;
    row.querySelector('[data-step-group]').hidden = !isChosen;
    row.querySelector('[data-step-move]').hidden = !isChosen;
    row.querySelector('.pathway-step-grip').hidden = !isChosen;
    row.draggable = isChosen;
  }

  function renumber() {
    rows().forEach((row, i) => { row.querySelector('[data-step-order] input').value = String(i + 1); });
    for (const row of available.querySelectorAll('li[data-step]')) row.querySelector('[data-step-order] input').value = '';
    empty.hidden = rows().length > 0;
  }

  function filter() {
    const words = (searchInput.value || '').toLowerCase().split(/\s+/).filter(Boolean);
    const all = [...available.querySelectorAll('li[data-step]')];
    let shown = 0;
    for (const row of all) {
      const match = words.every((w) => row.getAttribute('data-search').includes(w));
      row.hidden = !match;
      if (match) shown++;
    }
    searchCount.textContent = words.length === 0 ? '' : shown === 0 ? 'No badge matches.' : `${shown} of ${all.length} ${all.length === 1 ? 'badge' : 'badges'} shown.`;
  }

  function move(row, by) {
    const list = rows();
    const to = list.indexOf(row) + by;
    if (to < 0 || to >= list.length) return say(`${nameOf(row)} is already ${by < 0 ? 'first' : 'last'}.`);
    chosen.insertBefore(row, by < 0 ? list[to] : list[to].nextSibling);
    renumber();
    say(`${nameOf(row)} is now step ${to + 1} of ${list.length}.`);
  }

  picker.addEventListener('change', (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.name !== 'steps') return;
    const row = box.closest('li[data-step]');
    if (box.checked) {
      chosen.appendChild(row);
      row.hidden = false;
      say(`${nameOf(row)} added as step ${rows().length}.`);
    } else {
      const index = Number(row.getAttribute('data-index'));
      const after = [...available.querySelectorAll('li[data-step]')].find((r) => Number(r.getAttribute('data-index')) > index);
      available.insertBefore(row, after || null);
      say(`${nameOf(row)} removed from the steps.`);
    }
    layout(row);
    renumber();
    if (searchInput) filter();
    box.focus();
  });

  picker.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-move]') : null;
    if (!button) return;
    move(button.closest('li[data-step]'), button.getAttribute('data-move') === 'up' ? -1 : 1);
    button.focus();
  });

  // Native drag and drop, within the chosen steps.
  let dragged = null;
  chosen.addEventListener('dragstart', (event) => {
    const row = event.target instanceof Element ? event.target.closest('li[data-step]') : null;
    if (!row) return;
    dragged = row;
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData('text/plain', row.getAttribute('data-step'));
    row.classList.add('pathway-step-dragging');
  });
  chosen.addEventListener('dragover', (event) => {
    if (!dragged) return;
    event.preventDefault();
    const over = event.target instanceof Element ? event.target.closest('li[data-step]') : null;
    if (!over || over === dragged || over.parentElement !== chosen) return;
    const box = over.getBoundingClientRect();
    chosen.insertBefore(dragged, event.clientY > box.top + box.height / 2 ? over.nextSibling : over);
  });
  chosen.addEventListener('drop', (event) => event.preventDefault());
  chosen.addEventListener('dragend', () => {
    if (!dragged) return;
    dragged.classList.remove('pathway-step-dragging');
    renumber();
    say(`${nameOf(dragged)} is now step ${rows().indexOf(dragged) + 1} of ${rows().length}.`);
    dragged = null;
  });

  if (search) {
    search.hidden = false;
    searchInput.addEventListener('input', filter);
    // Enter in the search box finds; it does not send the form.
    searchInput.addEventListener('keydown', (event) => { if (event.key === 'Enter') event.preventDefault(); });
  }
  for (const row of picker.querySelectorAll('li[data-step]')) layout(row);
  picker.classList.add('pathway-picker-live');
  renumber();
})();
