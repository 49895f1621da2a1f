// Progressive enhancement for the badge form: alignment target names come from the frameworks a site admin loaded.
// Picking (or typing) a listed name fills that row's URL, framework, code and description. Without this file, rows are typed.
(() => {
  const list = document.getElementById('alignment-targets');
  if (!list) return;
  const options = Array.from(list.querySelectorAll('option'));
  const nameInputs = () => Array.from(document.querySelectorAll('input[name^="alignments["][name$="[targetName]"]'));

  const fill = (input) => {
    const option = options.find((o) => o.value === input.value.trim());
    if (!option) return;
    const prefix = input.name.slice(0, -'[targetName]'.length);
    const set = (field, value) => {
      const target = document.querySelector(`input[name="${prefix}[${field}]"]`);
      if (target) target.value = value || '';
    };
    set('targetUrl', option.dataset.url);
    set('targetFramework', option.dataset.framework);
    set('targetCode', option.dataset.code);
    set('targetDescription', option.dataset.description);
  };

  for (const input of nameInputs()) {
    input.setAttribute('list', 'alignment-targets');
    input.setAttribute('autocomplete', 'off');
    input.addEventListener('change', () => fill(input));
    input.addEventListener('input', () => fill(input));
  }
})();
