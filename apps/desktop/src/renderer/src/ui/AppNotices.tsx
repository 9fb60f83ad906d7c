// Above the question box, what the desktop app says by itself: an update ready to install ("Restart to
// update"; while an answer streams, that it restarts when the answer ends) and a notice such as the window
// having been reloaded after a crash.
import { useAppUpdateStore } from '../state/app-update-store';

export function AppNotices() {
  const update = useAppUpdateStore((state) => state.update);
  const notice = useAppUpdateStore((state) => state.notice);
  const restart = useAppUpdateStore((state) => state.restart);
  const dismissNotice = useAppUpdateStore((state) => state.dismissNotice);
  return (
    <>
      {notice && (
        <section className="banner banner-app-notice" data-testid="app-notice" role="alert">
          <div className="banner-body">
            <p>{notice}</p>
          </div>
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={dismissNotice}>
            ×
          </button>
        </section>
      )}
      {update && (
        <section className="banner banner-update" data-testid="update-offer" role="status">
          <div className="banner-body">
            <strong>Update ready</strong>
            {update.waitingForAnswer ? (
              <p>Strat Coach restarts to update to {update.version} as soon as this answer ends.</p>
            ) : (
              <>
                <p>Strat Coach {update.version} is downloaded. It is installed when you restart.</p>
                <div className="banner-actions">
                  <button type="button" className="link-button" onClick={() => void restart()}>
                    Restart to update
                  </button>
                </div>
              </>
            )}
          </div>
        </section>
      )}
    </>
  );
}
