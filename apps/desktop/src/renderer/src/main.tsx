// Renderer entry: starts the stores against the host (window.coach or the web host), then mounts the UI —
// or, in Electron's crop window, only the crop.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startApp } from './app-start';
import { cropHost } from './host';
import { App } from './ui/App';
import { CropWindow } from './ui/CropWindow';
import './styles.css';

// Electron's crop window runs this bundle too, to crop on the chart's own screen: nothing else starts there.
const cropping = cropHost() !== null;
if (!cropping) startApp();
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(<StrictMode>{cropping ? <CropWindow /> : <App />}</StrictMode>);
}
