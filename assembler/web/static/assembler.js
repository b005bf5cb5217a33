// GOV.UK Frontend's components, started as its documentation says. A module, not an inline
// script: the Content Security Policy allows scripts from this site only.
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
