// Renderer entry: starts the stores against the host (window.coach or the web host), then mounts the UI.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startApp } from './app-start';
import { App } from './ui/App';
import './styles.css';

startApp();
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
