// Electron main process entry. (Placeholder until the main process lands.)
import { app } from 'electron';

void app.whenReady();
