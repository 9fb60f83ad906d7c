// Preload: exposes window.coach. (Placeholder until the preload lands.)
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('coachPending', true);
