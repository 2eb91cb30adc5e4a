"""Vue and Svelte components: script blocks are code slices, the rest windows."""

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from test_rendering_properties import TEMPLATES, check_partition_and_ladder, sources

from context_kit import Index
from context_kit.sources import CodeSource
from context_kit.sources.walk import FileText

VUE = """\
<template>
  <div class="counter">
    <button @click="increment">{{ count }}</button>
  </div>
</template>

<script setup lang="ts">
import { ref, computed } from 'vue'

const props = defineProps<{ start: number }>()
const count = ref(props.start)

/** Add one to the count. */
function increment(): void {
  count.value++
}
</script>

<style scoped>
.counter { color: red; }
</style>
"""

SVELTE = """\
<script module>
  export const prerender = true;
</script>

<script>
  import { writable } from 'svelte/store';
  const store = writable(0);

  function handleClick() {
    store.update((n) => n + 1);
  }
</script>

<h1>Hello!</h1>
<button on:click={handleClick}>{$store}</button>
<script type="application/ld+json">{"@type": "Thing", "name": "function f() {}"}</script>
"""


def slices_of(path: str, text: str):
    return CodeSource().slices(FileText(path, text, text.encode(), False))


def shape(slices) -> list[tuple[int, int, str, str | None, str]]:
    return [(s.start_line, s.end_line, s.symbol_kind, s.language, s.name) for s in slices]


def test_a_vue_script_setup_is_typescript_and_its_template_and_style_are_windows():
    got = slices_of("src/Counter.vue", VUE)
    assert shape(got) == [
        (1, 5, "window", "vue", "Counter.vue lines 1-5"),
        # The tag line goes with the imports below it rather than alone.
        (7, 11, "module", "typescript", "<module>"),
        (13, 16, "function", "typescript", "increment"),
        (17, 21, "window", "vue", "Counter.vue lines 17-21"),
    ]
    fn = got[2]
    assert fn.doc_end_line == 13 and fn.defines == ("increment",) and "count" in fn.references
    assert set(got[1].defines) == {"count", "props"}
    lines = VUE.splitlines(keepends=True)
    for s in got:
        assert s.text == "".join(lines[s.start_line - 1 : s.end_line])


def test_svelte_reads_both_scripts_and_leaves_a_json_block_to_the_windows():
    got = slices_of("App.svelte", SVELTE)
    kinds = {(s.symbol_kind, s.name) for s in got}
    assert ("function", "handleClick") in kinds
    assert not any("f" in s.defines for s in got)  # the JSON's "function f() {}" is text
    assert {d for s in got for d in s.defines} >= {"prerender", "store", "handleClick"}
    assert got[-1].symbol_kind == "window" and got[-1].language == "svelte"
    assert got[-1].end_line == len(SVELTE.splitlines())
    # A line that closes one block and opens the next is held by one slice only.
    shared = SVELTE + "<script>\nfunction a() {}\n</script><script>\nconst b = 1\n</script>\n"
    check_partition_and_ladder("App.svelte", shared, 200)
    tail = slices_of("App.svelte", shared)[-2:]
    assert [(s.start_line, s.end_line, s.name) for s in tail] == [
        (18, 18, "a"),
        (19, 21, "<module>"),
    ]


def test_tag_lines_join_the_statement_runs_beside_them_across_blank_lines():
    text = "<script>\n\nimport x from 'y'\n\nfunction f() {}\n\nconst z = 1\n\n</script>\n<p/>\n"
    got = slices_of("C.svelte", text)
    assert [(s.start_line, s.end_line, s.symbol_kind) for s in got] == [
        (1, 3, "module"),
        (5, 5, "function"),
        (7, 9, "module"),
        (10, 10, "window"),
    ]
    check_partition_and_ladder("C.svelte", text, 200)


def test_components_without_definitions_or_in_other_languages_stay_windows():
    only_state = "<script>\n  let count = 0;\n</script>\n\n<p>{count}</p>\n"
    coffee = '<script lang="coffee">\nincrement = -> count += 1\n</script>\n<p>hi</p>\n'
    markup = "<template>\n  <p>No script here.</p>\n</template>\n"
    for text in (only_state, coffee, markup):
        got = slices_of("C.vue", text)
        assert [s.symbol_kind for s in got] == ["window"], text
        assert got[0].language == "vue"


def test_an_index_finds_a_components_function_by_name(tmp_path: Path):
    (tmp_path / "Counter.vue").write_text(VUE)
    (tmp_path / "App.svelte").write_text(SVELTE)
    index = Index.build(tmp_path, cache_dir=False)
    pack = index.pack("the handleClick handler does not update the store", budget=300)
    best = max(pack.items, key=lambda item: item.score)
    assert (best.path, best.name, best.rendering) == ("App.svelte", "handleClick", "full")


_SCRIPTED = {k: v for k, v in TEMPLATES.items() if k in ("javascript", "typescript")}


@given(
    sources(templates=_SCRIPTED),
    st.sampled_from(["vue", "svelte"]),
    st.booleans(),
    st.sampled_from([8, 200]),
)
def test_component_slices_partition_the_file_and_every_rung_is_verbatim(
    source, ext, script_first, max_lines
):
    path, code = source
    lang = ' lang="ts"' if path.endswith(".ts") else ""
    newline = "\r\n" if "\r\n" in code else "\n"
    script = f"<script{lang}>{newline}{code}</script>{newline}"
    markup = f"<div>{newline}  <p>{{x}}</p>{newline}</div>{newline}"
    text = script + markup if script_first else markup + script
    check_partition_and_ladder(f"sample.{ext}", text, max_lines)
