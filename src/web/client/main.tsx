import './styles/app.css';
import { render } from 'preact';
import { LocationProvider } from 'preact-iso';
import { boot } from './boot.js';
import { legacyPath, Routes } from './routes.js';

// A simple-auth link (`/#/activate?…`) becomes this app's address before the first render.
const legacy = legacyPath(location.hash);
if (legacy) history.replaceState(null, '', legacy);
// The brand colour through the CSSOM, which the CSP allows (it forbids inline style attributes).
document.documentElement.style.setProperty('--primary', boot.primaryColor);

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(
    <LocationProvider>
      <Routes />
    </LocationProvider>,
    root,
  );
}
