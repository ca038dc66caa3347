import "./app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { applyTheme, loadTheme } from "./lib/theme";

// Before the first render, so a dark-theme choice never flashes light.
applyTheme(document.documentElement, loadTheme(window.localStorage));

const target = document.getElementById("app");
if (!target) throw new Error("index.html lost its #app element");
mount(App, { target });
