// Every page of the dashboard besides the overview: importing a view module registers it (views.js).
// Keep one import per line, in the order of the header's navigation.
import './office.js';
import './registry.js';
import './cases.js';
import './camera-settings.js';
import './fire-alert.js';
import './situation.js';
import './vessel.js';
