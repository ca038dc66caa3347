// Read by @sveltejs/vite-plugin-svelte and svelte-check. Svelte 5 understands `lang="ts"`
// without a preprocessor; runes mode everywhere.
export default {
  compilerOptions: { runes: true },
};
