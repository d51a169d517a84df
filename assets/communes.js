// Suggestions for the commune fields (an input with data-communes naming its datalist): as the person types a
// name, the matching communes from /api/v1/communes fill the datalist, each as « Nom (département) », the form
// the server reads back. Without JavaScript the form works the same: the server resolves the name on submit and
// offers the matches when several fit.
const timers = new WeakMap();

async function suggest(input) {
  const list = document.getElementById(input.dataset.communes);
  const q = input.value.trim();
  if (!list || q.length < 2 || /\([0-9][0-9AB][0-9]?\)$/.test(q)) return;
  let items;
  try {
    const r = await fetch(`/api/v1/communes?limit=10&q=${encodeURIComponent(q)}`, { headers: { Accept: 'application/json' } });
    if (!r.ok) return;
    items = (await r.json()).items || [];
  } catch {
    return;
  }
  list.replaceChildren(...items.map((c) => {
    const o = document.createElement('option');
    o.value = `${c.name} (${c.departement_code})`;
    o.label = c.postal_codes ? `${c.name} (${c.departement_code}), ${c.postal_codes}` : o.value;
    return o;
  }));
}

for (const input of document.querySelectorAll('input[data-communes]')) {
  input.addEventListener('input', () => {
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(() => suggest(input), 200));
  });
}
