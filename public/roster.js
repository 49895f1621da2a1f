// Live roster on the facilitator's session page: polls a small JSON endpoint and redraws the rows.
// Progressive enhancement only: without this file the page still works (Refresh link, forms).
(() => {
  const table = document.querySelector('table[data-roster]');
  if (!table) return;
  const url = table.getAttribute('data-roster');
  const tbody = table.querySelector('tbody');
  const pendingLabel = document.querySelector('[data-roster-pending]');
  const stateLabel = document.querySelector('[data-session-state]');
  const states = { open: 'Open', closed: 'Closed', expired: 'Time is up', full: 'Full' };

  const cell = (text) => {
    const td = document.createElement('td');
    td.textContent = text;
    return td;
  };

  function row(claim, checked) {
    const tr = document.createElement('tr');
    tr.setAttribute('data-claim', claim.id);
    const select = document.createElement('td');
    if (claim.status === 'pending') {
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = 'ids';
      box.value = claim.id;
      box.checked = checked.has(claim.id);
      box.setAttribute('aria-label', `Select ${claim.name}`);
      select.appendChild(box);
    }
    tr.appendChild(select);
    tr.appendChild(cell(claim.name));
    tr.appendChild(cell(claim.email || 'no email (private link)'));
    const status = document.createElement('td');
    const badge = document.createElement('span');
    badge.className = `status status-claim-${claim.status}`;
    badge.textContent = claim.status;
    status.appendChild(badge);
    if (claim.status === 'approved' && claim.assertionId) {
      // The same link as the server's: the facilitator's page of the award.
      const link = document.createElement('a');
      link.href = `/manage/assertions/${encodeURIComponent(claim.assertionId)}`;
      link.setAttribute('data-award-link', '');
      link.textContent = 'Award';
      const who = document.createElement('span');
      who.className = 'visually-hidden';
      who.textContent = ` to ${claim.name}`;
      link.appendChild(who);
      status.append(' ', link);
    }
    tr.appendChild(status);
    tr.appendChild(cell(claim.wallConsent ? (claim.wallHidden ? 'hidden' : 'yes') : 'no'));
    return tr;
  }

  async function refresh() {
    try {
      const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
      if (!res.ok) return;
      const data = await res.json();
      const checked = new Set([...tbody.querySelectorAll('input[name="ids"]:checked')].map((b) => b.value));
      const rows = data.claims.map((c) => row(c, checked));
      if (rows.length === 0) {
        const tr = document.createElement('tr');
        const td = cell('Nobody has claimed yet. This list updates by itself.');
        td.colSpan = 5;
        tr.appendChild(td);
        rows.push(tr);
      }
      tbody.replaceChildren(...rows);
      if (pendingLabel) pendingLabel.textContent = `(${data.pending} waiting)`;
      if (stateLabel && states[data.state]) stateLabel.textContent = states[data.state];
    } catch {
      // Offline for a moment: try again at the next tick.
    }
  }

  setInterval(refresh, 3000);
})();
