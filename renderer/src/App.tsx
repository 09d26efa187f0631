export function App() {
  return (
    <main>
      <h1>Hopscope</h1>
    </main>
  );
}
