// GOV.UK Frontend's components enhance themselves only on a body marked "govuk-frontend-supported". Its
// page template marks it with an inline script, which the workspace's Content-Security-Policy forbids,
// so this module does it; a browser that runs modules is one GOV.UK Frontend supports.
import { initAll } from "./vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
