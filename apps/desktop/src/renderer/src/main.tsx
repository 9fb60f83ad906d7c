// Renderer entry: mounts the coach UI. (Placeholder until the UI lands.)
import { createRoot } from 'react-dom/client';

const root = document.getElementById('root');
if (root) createRoot(root).render(<p>Strat Coach</p>);
